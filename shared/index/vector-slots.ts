/**
 * One buffer for a batch's prepared query vectors, with one view per query. `LocalSearch` keeps it for
 * the next batch: a fresh 3 MB buffer (1,000 Fashion-MNIST queries) cost more page faults than the copy
 * into it, and a fresh view per query (`subarray`) was about 5 % of a siftsmall query at 0.1 %.
 */
export class VectorSlots {
  #buffer: Float32Array<ArrayBuffer>;
  readonly #views: Float32Array<ArrayBuffer>[] = [];

  constructor(
    private readonly dim: number,
    count = 0,
  ) {
    this.#buffer = new Float32Array(count * dim);
  }

  /** Views of `dim` floats for the first `count` queries (their contents are the last batch's). */
  slots(count: number): readonly Float32Array<ArrayBuffer>[] {
    const dim = this.dim;
    if (this.#buffer.length < count * dim) {
      this.#buffer = new Float32Array(count * dim);
      this.#views.length = 0;
    }
    for (let i = this.#views.length; i < count; i++)
      this.#views.push(this.#buffer.subarray(i * dim, (i + 1) * dim));
    return this.#views;
  }
}
