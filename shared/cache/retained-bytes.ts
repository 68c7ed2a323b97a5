/**
 * The memory a loaded value keeps alive through its typed arrays: the distinct `ArrayBuffer`s reachable
 * from it (own enumerable properties, arrays and maps, followed once each), summed by their byteLength.
 * Counting buffers rather than views charges a view into a larger fetched range for the whole range,
 * which is what the container actually holds. Strings and object overhead are not counted; for index
 * data they are negligible beside the sections.
 */
export function retainedBytes(root: unknown): number {
  const buffers = new Set<ArrayBufferLike>();
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if (ArrayBuffer.isView(value)) {
      buffers.add(value.buffer);
    } else if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) {
      buffers.add(value);
    } else if (value instanceof Map) {
      for (const [key, entry] of value) stack.push(key, entry);
    } else if (value instanceof Set) {
      for (const entry of value) stack.push(entry);
    } else {
      for (const entry of Object.values(value)) stack.push(entry);
    }
  }
  let total = 0;
  for (const buffer of buffers) total += buffer.byteLength;
  return total;
}
