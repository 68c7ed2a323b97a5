/**
 * The query path wired in one process: a built index in a MemoryBlobStore, a coordinator, and allocator
 * and processor functions reached through an in-process invoker — each function name with a runtime of
 * its own, like one warm container per function.
 */
import { beforeAll } from 'vitest';
import { serveAllocator } from '../../../functions/allocator/serve-allocator.ts';
import { ENV, loadConfig, type SquashConfig } from '../../../functions/config.ts';
import { IndexCatalog } from '../../../functions/coordinator/index-catalog.ts';
import type { Coordinator } from '../../../functions/coordinator/search.ts';
import { serveCoordinator } from '../../../functions/coordinator/serve-coordinator.ts';
import { serveProcessor } from '../../../functions/processor/serve-processor.ts';
import { createRuntime, type FunctionRuntime } from '../../../functions/runtime.ts';
import { AttributeTable } from '../../../shared/attributes/index.ts';
import { buildIndex } from '../../../shared/build/build-index.ts';
import { LocalSearch } from '../../../shared/index/local-search.ts';
import { type BlobStore, MemoryBlobStore, withPrefix } from '../../../shared/store/index.ts';
import { generateDataset, generateQueries, SYNTHETIC_SCHEMA } from '../../../shared/synthetic/index.ts';
import { InProcessInvoker } from './in-process-invoker.ts';

export const ALLOCATOR = 'squash-allocator';
export const PROCESSORS = ['squash-processor-0', 'squash-processor-1', 'squash-processor-2'];

export function testConfig(env: Record<string, string> = {}): SquashConfig {
  return loadConfig({
    [ENV.bucket]: 'test-bucket',
    [ENV.allocatorFunction]: ALLOCATOR,
    [ENV.processorFunctions]: PROCESSORS.join(','),
    [ENV.treeBranching]: '2',
    [ENV.treeDepth]: '2',
    ...env,
  });
}

export const INDEX = 'synth';
export const COUNT = 3000;
export const DIM = 16;
export const PARTITIONS = 6;

export const dataset = generateDataset({ count: COUNT, dim: DIM, seed: 11, clusters: 8 });
export const attributes = new AttributeTable(SYNTHETIC_SCHEMA, COUNT, dataset.attributes!.columns());
export const queries = generateQueries({
  count: 120,
  dim: DIM,
  seed: 12,
  fromDataset: { seed: 11, clusters: 8 },
});
export const queryVector = (q: number) => queries.vectors.subarray(q * DIM, (q + 1) * DIM);

/** A store holding index `synth` under `synth/`, built once per test file. */
export async function buildTestStore(): Promise<MemoryBlobStore> {
  const store = new MemoryBlobStore();
  await buildIndex(
    { vectors: dataset.vectors, count: COUNT, dim: DIM, attributes },
    withPrefix(store, INDEX),
    {
      partitions: PARTITIONS,
      bitsPerDim: 4,
      metric: 'l2',
      seed: 1,
      kmeansIterations: 8,
    },
  );
  return store;
}

export interface TestIndex {
  readonly store: MemoryBlobStore;
  /** The in-process search over the same index, the reference for the query path's answers. */
  readonly local: LocalSearch;
}

/** Registers a `beforeAll` building the test store and opening `local`; read the fields inside tests. */
export function useTestIndex(): TestIndex {
  let built: TestIndex | undefined;
  beforeAll(async () => {
    const store = await buildTestStore();
    built = { store, local: await LocalSearch.open(withPrefix(store, INDEX)) };
  });
  const get = (): TestIndex => {
    if (built === undefined) throw new Error('the test index is built in beforeAll; read it inside a test');
    return built;
  };
  return {
    get store() {
      return get().store;
    },
    get local() {
      return get().local;
    },
  };
}

/** A parsed JSON answer; tests read it freely and their assertions check its shape. */
// biome-ignore lint/suspicious/noExplicitAny: JSON answers of any shape, checked by the assertions
export type HttpAnswer = { status: number; body: any };

export interface TestStack {
  readonly invoker: InProcessInvoker;
  readonly coordinator: Coordinator;
  /** One runtime per function name (allocator, each processor). */
  readonly runtimes: Map<string, FunctionRuntime>;
  /** `POST /search` through the coordinator's URL entry: status and parsed body. */
  search(body: unknown): Promise<HttpAnswer>;
  /** `search`, with the response's headers (lower-case names). */
  searchWithHeaders(body: unknown): Promise<HttpAnswer & { headers: Record<string, string> }>;
  get(path: string): Promise<HttpAnswer>;
  /** `POST <path>` through the coordinator's URL entry (the write routes). */
  post(path: string, body: unknown): Promise<HttpAnswer>;
}

export function createTestStack(store: BlobStore, env: Record<string, string> = {}): TestStack {
  const config = testConfig(env);
  const runtimes = new Map<string, FunctionRuntime>();
  const indexStore = (name: string) => withPrefix(store, name);
  const invoker: InProcessInvoker = new InProcessInvoker((functionName, event, deadline) => {
    let runtime = runtimes.get(functionName);
    if (!runtime) {
      runtime = createRuntime(config, { invoker, indexStore });
      runtimes.set(functionName, runtime);
    }
    if (functionName === ALLOCATOR) return serveAllocator(event, runtime, deadline);
    if (PROCESSORS.includes(functionName)) return serveProcessor(event, runtime);
    return Promise.reject(
      Object.assign(new Error(`Function not found: ${functionName}`), { name: 'ResourceNotFoundException' }),
    );
  });
  const runtime = createRuntime(config, { invoker, indexStore });
  const coordinator = { runtime, catalog: new IndexCatalog(runtime) };
  const call = async (method: string, path: string, body?: unknown) => {
    const result = await serveCoordinator(
      {
        version: '2.0',
        rawPath: path,
        body: body === undefined ? undefined : JSON.stringify(body),
        isBase64Encoded: false,
        requestContext: { http: { method } },
      },
      coordinator,
      Date.now() + 30_000,
    );
    return { status: result.statusCode ?? 0, body: JSON.parse(String(result.body)), result };
  };
  return {
    invoker,
    coordinator,
    runtimes,
    search: async (body) => {
      const { status, body: answer } = await call('POST', '/search', body);
      return { status, body: answer };
    },
    searchWithHeaders: async (body) => {
      const { status, body: answer, result } = await call('POST', '/search', body);
      const headers = Object.entries(result.headers ?? {}).map(([name, value]) => [
        name.toLowerCase(),
        String(value),
      ]);
      return { status, headers: Object.fromEntries(headers), body: answer };
    },
    post: async (path, body) => {
      const { status, body: answer } = await call('POST', path, body);
      return { status, body: answer };
    },
    get: async (path) => {
      const { status, body } = await call('GET', path);
      return { status, body };
    },
  };
}
