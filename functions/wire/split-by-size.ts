/**
 * Greedy packing of a request's items into consecutive chunks whose request AND bounded response stay
 * within a byte budget (Lambda's 6 MB, DESIGN §5: "one request each, within the 6 MB payload limit").
 * An item too large on its own gets a chunk of its own; the call then fails with a clear
 * `PayloadTooLargeError` rather than being dropped.
 */
export interface ItemSize {
  /** Bytes the item adds to the request (its JSON plus a separator). */
  readonly request: number;
  /** Bytes the item's answer can add to the response, at most. */
  readonly response: number;
}

export function splitBySize<T>(
  items: readonly T[],
  sizeOf: (item: T) => ItemSize,
  budgetBytes: number,
  envelopeBytes: number,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let request = envelopeBytes;
  let response = envelopeBytes;
  for (const item of items) {
    const size = sizeOf(item);
    if (
      current.length > 0 &&
      (request + size.request > budgetBytes || response + size.response > budgetBytes)
    ) {
      chunks.push(current);
      current = [];
      request = envelopeBytes;
      response = envelopeBytes;
    }
    current.push(item);
    request += size.request;
    response += size.response;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
