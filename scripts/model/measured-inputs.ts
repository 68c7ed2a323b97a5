/**
 * What the model takes from measurement: CPU costs of the search code (per call, per query–partition
 * pair, per row and dimension scanned), the cost of an invocation hop and of payload bytes, and S3's
 * latency and throughput. `npm run model -- --validate` measures the CPU and hop figures on the local
 * stack and writes them to bench-results/model-inputs.json; `npm run model -- --inputs <that file>`
 * predicts from them. The defaults below are that calibration on this project's 2-core machine
 * (docs/cost-model.md gives the run), except the build and index-size figures (the 1 M-row build of
 * docs/performance.md) and those marked AWS, which cannot be measured here and are assumptions with
 * their source.
 *
 * CPU figures are for one full vCPU (a processor at 1,769 MiB); a function with less memory gets a
 * proportional share of a vCPU, as Lambda allocates it. One core of this machine is taken to equal
 * one Graviton vCPU (an assumption: not measured on AWS).
 */
export interface MeasuredInputs {
  /** Fixed handler time of one processor call (parse, reply), ms. */
  readonly processorCallMs: number;
  /**
   * Per query–partition pair at dimension `calibrationDim` (vector decode, KLT transform, matching rows,
   * re-rank), ms.
   */
  readonly processorPairMs: number;
  /**
   * Approximate plan: per query–partition pair beyond `processorPairMs` at dimension `calibrationDim`
   * (the KLT transform of the query, its lookup tables, the shortlist and its exact re-rank), ms.
   */
  readonly approximatePairMs: number;
  /**
   * Filtered queries: ns per row of a partition for each query–partition pair (taking the filter's
   * exact matching rows from the partition's attribute index).
   */
  readonly filterNsPerRow: number;
  /** Approximate plan: ns per matching row per pruning dimension (ADC lower bounds). */
  readonly approximateNsPerRowDim: number;
  /** Exact plan: ns per matching row per dimension (exact distance). */
  readonly exactNsPerRowDim: number;
  /** The dimension the per-pair cost was measured at (it scales with D). */
  readonly calibrationDim: number;
  /** CPU per request: HTTP, parsing, the two HEADs of CURRENT and the log, the response, ms. */
  readonly requestMs: number;
  /** CPU per query outside the processors (validation, vector decode, payloads, merge, JSON), ms. */
  readonly coordinatorQueryMs: number;
  /** CPU per invocation on the caller's and the host's side (SDK, HTTP, IPC), ms. */
  readonly invokeCpuMs: number;
  /**
   * Fixed CPU of one allocator invocation beyond its queries and calls (parsing the payload, the
   * index view, launching and settling children), ms.
   */
  readonly allocatorCallMs: number;
  /**
   * CPU of the caller (coordinator or allocator, and the host between them) per query–partition result
   * a processor returns: its JSON carried, parsed and merged into the query's top k, ms. The exact plan
   * returns one per query and partition holding a match, so a selective batch returns several times
   * the approximate plan's results.
   */
  readonly resultPairMs: number;
  /** Allocator step: ns per operation of `allocatorWork` (P·D per query + N·A per filtered one). */
  readonly allocatorNsPerOp: number;
  /** Wall time of one warm synchronous Invoke round trip beyond the handler's own time, ms. */
  readonly invokeMs: number;
  /** Encoding, sending and decoding one MiB of JSON payload on a hop, ms. */
  readonly payloadMsPerMiB: number;
  /** Approximate plan: partitions a query visits (partitionFactor 1.2), before the matches floor. */
  readonly partitionsPerQuery: number;
  /** AWS: S3 GET time to first byte, ms. */
  readonly s3FirstByteMs: number;
  /** AWS: S3 throughput of one GET, MiB/s. */
  readonly s3MiBps: number;
  /** Build: ns per row and dimension of `squash build` on one vCPU. */
  readonly buildNsPerRowDim: number;
  /** Index bytes per row besides vectors and codes (raw attributes, ordinal map). */
  readonly attributeBytesPerRow: number;
}

export const DEFAULT_INPUTS: MeasuredInputs = Object.freeze({
  // Fitted by `taskset -c 0 npm run model -- --validate --cores 1` on 2026-12-06, 13:00 UTC
  // (docs/cost-model.md "Validation", run A): processor and other CPU from /proc (every thread) over
  // warm requests on the local stack pinned to one otherwise idle core, 20,000 × 64, 16 partitions.
  processorCallMs: 0.911,
  processorPairMs: 0.0158,
  approximatePairMs: 0.0168,
  filterNsPerRow: 0,
  approximateNsPerRowDim: 1.72,
  exactNsPerRowDim: 6.99,
  calibrationDim: 64,
  requestMs: 8.97,
  coordinatorQueryMs: 0.0911,
  invokeCpuMs: 1.28,
  allocatorCallMs: 1.17,
  resultPairMs: 0.0124,
  allocatorNsPerOp: 1,
  invokeMs: 2.09,
  payloadMsPerMiB: 19.9,
  partitionsPerQuery: 2.89,
  // AWS, S3 performance guidelines: small GETs see median latencies "in the range of tens of
  // milliseconds"; one request sustains roughly 85–90 MB/s. Neither is measured here.
  s3FirstByteMs: 30,
  s3MiBps: 85,
  // docs/performance.md "Build": 1,000,000 × 128, 64 partitions, 45 s on one core (the validation's
  // 20,000 × 64 builds measured 700–1,800 ns, dominated by fixed costs at that size and by the load).
  buildNsPerRowDim: 351,
  // The same build: 636 MB for 1 M rows of 128 dims, 596 of them vectors, OSQ and sign codes, ordinals.
  attributeBytesPerRow: 40,
});

/**
 * AWS figures for a hop, used in place of the local ones when predicting for AWS. Assumptions, not
 * measured here: a warm synchronous Invoke in one region adds about 15 ms, and the payload moves at
 * about 50 MiB/s end to end (JSON encode, HTTPS, decode).
 */
export const AWS_HOP = Object.freeze({ invokeMs: 15, payloadMsPerMiB: 20 });
