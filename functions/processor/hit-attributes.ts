import type { AttributeValue } from '../../shared/attributes/index.ts';
import { IndexFormatError } from '../../shared/errors/index.ts';
import type { PartitionData } from '../../shared/search/partition-data.ts';

/**
 * The attributes of global ordinal `id` in `data`, for responses. A partition's ids are ascending (the
 * build writes them so), so the row is found by binary search.
 */
export function hitAttributes(data: PartitionData, id: number): Record<string, AttributeValue> {
  const ids = data.ids;
  let low = 0;
  let high = ids.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const value = ids[mid]!;
    if (value === id) return data.attributes.rowValues(mid);
    if (value < id) low = mid + 1;
    else high = mid - 1;
  }
  throw new IndexFormatError(
    `partition ${data.partition} has no row with id ${id} (its ids must be ascending)`,
  );
}
