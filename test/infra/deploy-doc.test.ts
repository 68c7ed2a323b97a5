/**
 * `docs/deploy.md` cannot rot: its configuration table must list exactly the context keys the app
 * reads, with the defaults the code applies, and its SigV4 snippet must produce a request whose
 * signature verifies.
 */
import { execFile } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config.ts';
import { CONTEXT_KEYS, DEFAULT_STACK_NAME } from '../../infra/context-props.ts';
import { PROJECT_ROOT } from '../../infra/project-root.ts';
import { STACK_DEFAULTS } from '../../infra/search-settings.ts';
import { tableRows as rowsOf } from './markdown-table.ts';

const doc = readFileSync(`${PROJECT_ROOT}docs/deploy.md`, 'utf8');

const tableRows = (firstHeader: string) => rowsOf(doc, firstHeader);

function expectedDefault(key: string): string {
  const code = (value: string | number) => `\`${value}\``;
  const fixed: Record<string, string> = {
    stackName: code(DEFAULT_STACK_NAME),
    indexPrefix: code(STACK_DEFAULTS.indexPrefix),
    processorFunctions: code(STACK_DEFAULTS.processorFunctions),
    treeBranching: code(STACK_DEFAULTS.treeBranching),
    treeDepth: code(STACK_DEFAULTS.treeDepth),
    invokeTimeoutMs: code(STACK_DEFAULTS.invokeTimeoutMs),
    maxBatch: code(STACK_DEFAULTS.maxBatch),
    urlAuthType: code(STACK_DEFAULTS.urlAuthType),
    corsAllowedOrigins: STACK_DEFAULTS.corsAllowedOrigins.length === 0 ? 'none' : '?',
    bucketRemovalPolicy: code(STACK_DEFAULTS.bucketRemovalPolicy),
    logRetentionDays: code(STACK_DEFAULTS.logRetention),
    compactAfterRows: code(STACK_DEFAULTS.compactAfterRows),
    retentionSeconds: code(STACK_DEFAULTS.retentionSeconds),
    compactorMemoryMiB: code(STACK_DEFAULTS.compactor.memoryMiB),
    compactorTimeoutSeconds: code(STACK_DEFAULTS.compactor.timeoutSeconds),
    compactorReservedConcurrency: code(STACK_DEFAULTS.compactor.reservedConcurrency),
    builderMemoryMiB: code(STACK_DEFAULTS.builder.memoryMiB),
    builderTimeoutSeconds: code(STACK_DEFAULTS.builder.timeoutSeconds),
    builderReservedConcurrency: STACK_DEFAULTS.builder.reservedConcurrency === 'none' ? 'none' : '?',
    buildInputBuckets: STACK_DEFAULTS.buildInputBuckets.length === 0 ? 'none' : '?',
    logLevel: code(STACK_DEFAULTS.logLevel),
    metrics: code(String(STACK_DEFAULTS.metrics)),
    tracing: code(String(STACK_DEFAULTS.tracing)),
    alarmErrors: code(STACK_DEFAULTS.alarms.errors),
    alarmThrottles: code(STACK_DEFAULTS.alarms.throttles),
    alarmTimeoutPercent: code(STACK_DEFAULTS.alarms.timeoutPercent),
    alarmSearchLatencyP99Ms: code(STACK_DEFAULTS.alarms.searchLatencyP99Ms),
    alarmMissingPartitions: code(STACK_DEFAULTS.alarms.missingPartitions),
    alarmPeriodSeconds: code(STACK_DEFAULTS.alarms.periodSeconds),
    alarmEvaluationPeriods: code(STACK_DEFAULTS.alarms.evaluationPeriods),
    alarmTopicArn: 'none',
  };
  if (key in fixed) return fixed[key]!;
  const [, role, setting] = /^(coordinator|allocator|processor)(\w+)$/.exec(key) ?? [];
  if (role === undefined) throw new Error(`no expected default for ${key}`);
  const r = role as keyof typeof STACK_DEFAULTS.memoryMiB;
  if (setting === 'MemoryMiB') return code(STACK_DEFAULTS.memoryMiB[r]);
  if (setting === 'TimeoutSeconds') return code(STACK_DEFAULTS.timeoutSeconds[r]);
  if (setting === 'ReservedConcurrency') return 'none';
  if (setting === 'ProvisionedConcurrency') return code(STACK_DEFAULTS.provisionedConcurrency);
  if (setting === 'CacheBudgetMiB') return STACK_DEFAULTS.cacheShareOfMemory === 0.5 ? 'half of memory' : '?';
  throw new Error(`no expected default for ${key}`);
}

describe('docs/deploy.md', () => {
  it('documents every context key with the default the code applies', () => {
    const rows = tableRows('Context key');
    const documented = rows.map(([key]) => key!.replaceAll('`', ''));
    expect(documented).toEqual([...CONTEXT_KEYS]);
    for (const [key, defaultValue] of rows) {
      expect(defaultValue, key).toBe(expectedDefault(key!.replaceAll('`', '')));
    }
  });

  it('lists every environment variable the functions read', () => {
    const documented = tableRows('Variable').flatMap(([cell]) =>
      [...cell!.matchAll(/`(SQUASH_\w+)`/g)].map((m) => m[1]),
    );
    expect(documented.sort()).toEqual(Object.values(ENV).sort());
  });

  it('has a Node.js SigV4 snippet whose request verifies', async () => {
    const snippet = /```js\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(snippet).toBeDefined();
    // Under node_modules so that the snippet's imports resolve from the project's dependencies.
    const dir = `${PROJECT_ROOT}node_modules/.cache/squash-doc-test`;
    mkdirSync(dir, { recursive: true });
    const file = `${dir}/search-${process.pid}.mjs`;
    writeFileSync(file, snippet!);

    const received: { request: IncomingMessage; body: string }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ request, body });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"results":[]}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const body = JSON.stringify({ index: 'my-index', k: 10, queries: [{ vector: [0.1, 0.2] }] });
    const credentials = {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    };
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [file, body], {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          SEARCH_URL: `http://127.0.0.1:${port}/`,
          AWS_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_CONFIG_FILE: `${dir}/no-config`,
          AWS_SHARED_CREDENTIALS_FILE: `${dir}/no-credentials`,
        },
      });
      expect(stdout).toBe('200 {"results":[]}\n');
    } finally {
      server.close();
      rmSync(file, { force: true });
    }

    expect(received).toHaveLength(1);
    const { request, body: receivedBody } = received[0]!;
    expect([request.method, request.url, receivedBody]).toEqual(['POST', '/search', body]);
    const authorization = String(request.headers.authorization);
    const match =
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/(\d{8})\/eu-west-1\/lambda\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
        authorization,
      );
    expect(match, authorization).not.toBeNull();
    const signedHeaders = match![2]!.split(';');
    expect(signedHeaders).toEqual(
      expect.arrayContaining(['host', 'content-type', 'x-amz-date', 'x-amz-content-sha256']),
    );
    // The body is bound to the signature through its signed SHA-256.
    expect(request.headers['x-amz-content-sha256']).toBe(
      createHash('sha256').update(receivedBody).digest('hex'),
    );

    // Re-sign what the server received, with the same credentials and time: the signatures must agree,
    // and differ for any other path.
    expect(authorization).toBe(await resign(request, request.url!, signedHeaders, credentials));
    expect(authorization).not.toBe(await resign(request, '/health', signedHeaders, credentials));
  });
});

class Sha256 {
  readonly #hash;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData) {
    this.#hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.#hash.digest());
  }
}

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

async function resign(
  request: IncomingMessage,
  path: string,
  signedHeaders: readonly string[],
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<string> {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = String(request.headers[name]);
  const amzDate = headers['x-amz-date']!;
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signer = new SignatureV4({ service: 'lambda', region: 'eu-west-1', credentials, sha256: Sha256 });
  const [hostname, port] = headers.host!.split(':');
  const signed = await signer.sign(
    { method: 'POST', protocol: 'http:', hostname: hostname!, port: Number(port), path, headers },
    { signingDate },
  );
  return String(signed.headers.authorization);
}
