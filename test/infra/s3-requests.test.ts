/**
 * The IAM grant follows the code: the three functions run in one process over the real `S3BlobStore`,
 * each with its own recording S3 client in front of one command-level fake S3 (`FakeS3Client`), through
 * searches (single query, batch through the allocator tree, exact, filtered with attributes), index
 * summaries, an unknown index and a missing partition object. Every S3 command a role sent is mapped to
 * the IAM action that authorises it; those actions, plus the conditioned listing that makes a missing
 * key a 404, must be exactly the S3 read actions the synthesized policy grants that role, on keys below
 * the index prefix. A new kind of request in the read path fails here until `index-read-access.ts` (and
 * the mapping below) say what it needs. The write path's grants (the coordinator's log appends, the
 * compactor's writes and deletes; `index-write-access.ts`) are left out here: no search sends them, and
 * `iam.test.ts` checks them statement by statement.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { serveAllocator } from '../../functions/allocator/serve-allocator.ts';
import { IndexCatalog } from '../../functions/coordinator/index-catalog.ts';
import { serveCoordinator } from '../../functions/coordinator/serve-coordinator.ts';
import { serveProcessor } from '../../functions/processor/serve-processor.ts';
import { createRuntime, type FunctionRuntime } from '../../functions/runtime.ts';
import { INDEX_LIST_ACTIONS } from '../../infra/index-read-access.ts';
import { INDEX_WRITE_ACTIONS, LOG_APPEND_ACTIONS } from '../../infra/index-write-access.ts';
import type { SearchFunction } from '../../infra/search-function.ts';
import type { FunctionRole } from '../../infra/search-settings.ts';
import { buildIndex } from '../../shared/build/build-index.ts';
import { S3BlobStore } from '../../shared/store/index.ts';
import { LOG_PREFIX } from '../../shared/writes/log-keys.ts';
import { FakeS3Client } from '../support/fake-s3-client.ts';
import { InProcessInvoker } from '../unit/functions/in-process-invoker.ts';
import {
  ALLOCATOR,
  attributes,
  COUNT,
  DIM,
  dataset,
  INDEX,
  PARTITIONS,
  PROCESSORS,
  queryVector,
  testConfig,
} from '../unit/functions/test-stack.ts';
import { asArray, type Json, logicalId, synthStack } from './synth.ts';

const BUCKET = 'test-bucket';
const INDEX_PREFIX = 'indexes/';

/**
 * The IAM action behind each S3 API call (Service Authorization Reference, Amazon S3): HeadObject is
 * authorised by s3:GetObject, ListObjectsV2 by s3:ListBucket.
 */
const IAM_ACTION_OF_COMMAND: Readonly<Record<string, string>> = {
  GetObjectCommand: 's3:GetObject',
  HeadObjectCommand: 's3:GetObject',
  ListObjectsV2Command: 's3:ListBucket',
  PutObjectCommand: 's3:PutObject',
  DeleteObjectCommand: 's3:DeleteObject',
};

interface SentRequest {
  readonly command: string;
  readonly key: string | undefined;
  readonly prefix: string | undefined;
}

const fake = new FakeS3Client(BUCKET);
const sent: Record<FunctionRole, SentRequest[]> = { coordinator: [], allocator: [], processor: [] };

/** An S3 client for one role: records each command, then lets the shared fake answer it. */
function recordingClient(role: FunctionRole) {
  return {
    send(command: { input: Record<string, unknown> }) {
      sent[role].push({
        command: command.constructor.name,
        key: command.input.Key as string | undefined,
        prefix: command.input.Prefix as string | undefined,
      });
      return fake.send(command);
    },
  } as unknown as ConstructorParameters<typeof S3BlobStore>[0]['client'];
}

function runtimeFor(role: FunctionRole, invoker: InProcessInvoker): FunctionRuntime {
  const config = testConfig();
  const client = recordingClient(role);
  return createRuntime(config, {
    invoker,
    indexStore: (name) => new S3BlobStore({ bucket: BUCKET, prefix: `${config.indexPrefix}${name}`, client }),
  });
}

function inProcessStack() {
  const runtimes = new Map<string, FunctionRuntime>();
  const invoker: InProcessInvoker = new InProcessInvoker((functionName, event, deadline) => {
    const role = functionName === ALLOCATOR ? 'allocator' : 'processor';
    let runtime = runtimes.get(functionName);
    if (!runtime) {
      runtime = runtimeFor(role, invoker);
      runtimes.set(functionName, runtime);
    }
    if (role === 'allocator') return serveAllocator(event, runtime, deadline);
    if (PROCESSORS.includes(functionName)) return serveProcessor(event, runtime);
    throw new Error(`no function ${functionName}`);
  });
  const runtime = runtimeFor('coordinator', invoker);
  const coordinator = { runtime, catalog: new IndexCatalog(runtime) };
  return async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const result = await serveCoordinator(
      {
        version: '2.0',
        rawPath: path,
        body: body === undefined ? undefined : JSON.stringify(body),
        isBase64Encoded: false,
        requestContext: { http: { method } },
      },
      coordinator,
      Date.now() + 60_000,
    );
    return result.statusCode;
  };
}

const search = (count: number, options: Record<string, unknown> = {}, filter?: unknown) => ({
  index: INDEX,
  k: 10,
  queries: Array.from({ length: count }, (_, q) => ({ vector: Array.from(queryVector(q)), filter })),
  options,
});

beforeAll(async () => {
  const build = new S3BlobStore({
    bucket: BUCKET,
    prefix: `${INDEX_PREFIX}${INDEX}`,
    client: fake.asClient(),
  });
  await buildIndex({ vectors: dataset.vectors, count: COUNT, dim: DIM, attributes }, build, {
    partitions: PARTITIONS,
    bitsPerDim: 4,
    metric: 'l2',
    seed: 1,
    kmeansIterations: 8,
  });

  const call = inProcessStack();
  const statuses = [
    await call('GET', `/indexes/${INDEX}`),
    await call('POST', '/search', search(1, {}, { u: { $lt: 0.2 } })),
    await call(
      'POST',
      '/search',
      search(40, { includeAttributes: true, maxAllocators: 6 }, { category: { $ne: 'red' } }),
    ),
    await call('POST', '/search', search(3, { exact: true })),
    await call('GET', '/indexes/no-such-index'),
    await call('POST', '/search', { ...search(1), index: 'no-such-index' }),
  ];
  expect(statuses).toEqual([200, 200, 200, 200, 404, 404]);

  // A damaged index: one partition object gone. Cold processors must ask S3 for it and fail the search.
  const partitionKey = [...fake.objects.keys()].find((key) => /\/partitions?\/.*0[^/]*$/.test(key));
  expect(partitionKey, [...fake.objects.keys()].join(', ')).toBeDefined();
  fake.objects.delete(partitionKey!);
  expect(await inProcessStack()('POST', '/search', search(2, { exact: true }))).toBeGreaterThanOrEqual(500);
});

describe('S3 requests of the functions', () => {
  it('are sent by every role, and only for keys below the index prefix', () => {
    for (const role of ['coordinator', 'allocator', 'processor'] as const) {
      expect(sent[role].length, role).toBeGreaterThan(0);
      for (const request of sent[role]) {
        expect(request.key ?? request.prefix, `${role} ${request.command}`).toMatch(/^indexes\/./);
      }
    }
  });

  it('need exactly the S3 read actions each role is granted, plus the listing that makes a missing key a 404', () => {
    const { stack, template } = synthStack({ processorFunctions: 3 });
    const writeActions: ReadonlySet<string> = new Set([...LOG_APPEND_ACTIONS, ...INDEX_WRITE_ACTIONS]);
    const grantedS3Reads = (fn: SearchFunction) => {
      const roleId = logicalId(stack, fn.role);
      const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((candidate) =>
        candidate.Properties.Roles.some((ref: Json) => ref.Ref === roleId),
      );
      expect(policy, `the policy of ${roleId}`).toBeDefined();
      const actions = policy!.Properties.PolicyDocument.Statement.flatMap((statement: Json) =>
        asArray<string>(statement.Action),
      );
      const reads = actions.filter((action: string) => action.startsWith('s3:') && !writeActions.has(action));
      return [...new Set(reads)].sort();
    };
    const functions: Record<FunctionRole, SearchFunction[]> = {
      coordinator: [stack.coordinator],
      allocator: [stack.allocator],
      processor: [...stack.processors],
    };
    for (const role of ['coordinator', 'allocator', 'processor'] as const) {
      const commands = [...new Set(sent[role].map((request) => request.command))].sort();
      const needed = commands.map((command) => {
        const action = IAM_ACTION_OF_COMMAND[command];
        expect(action, `the IAM action for ${command}, sent by the ${role}`).toBeDefined();
        return action!;
      });
      expect(needed, `${role} sends ${commands.join(', ')}`).not.toContain('s3:PutObject');
      const expected = [...new Set([...needed, ...INDEX_LIST_ACTIONS])].sort();
      for (const fn of functions[role]) expect(grantedS3Reads(fn), role).toEqual(expected);
    }
  });

  it('are GETs and HEADs, and the coordinator’s listings of write logs: the coordinator follows CURRENT, processors read partitions by range', () => {
    const commands = (role: FunctionRole) => new Set(sent[role].map((request) => request.command));
    // The coordinator lists an index's log after reading CURRENT (docs/writes.md "Read-your-writes").
    const coordinatorCommands = [...commands('coordinator')];
    expect(coordinatorCommands).toEqual(expect.arrayContaining(['HeadObjectCommand', 'GetObjectCommand']));
    expect(
      coordinatorCommands.filter(
        (command) => !['HeadObjectCommand', 'GetObjectCommand', 'ListObjectsV2Command'].includes(command),
      ),
    ).toEqual([]);
    for (const listing of sent.coordinator.filter((request) => request.command === 'ListObjectsV2Command')) {
      expect(listing.prefix).toMatch(new RegExp(`^indexes/[^/]+/${LOG_PREFIX}$`));
    }
    expect(commands('allocator')).toEqual(new Set(['GetObjectCommand']));
    expect([...commands('processor')].every((command) => /^(Get|Head)ObjectCommand$/.test(command))).toBe(
      true,
    );
    expect(sent.coordinator.some((request) => request.key === `indexes/no-such-index/CURRENT`)).toBe(true);
  });
});
