/**
 * The `Range` header of a GET, resolved against the object size with S3's semantics (RFC 9110 single
 * byte ranges): `bytes=a-b` (b clamped to the last byte), `bytes=a-`, and the suffix form `bytes=-n`
 * (the last n bytes). A first byte at or past the end, an empty suffix, or any range on an empty
 * object is unsatisfiable (416). Syntactically invalid or multi-range headers are ignored, as S3 does:
 * the whole object is returned.
 */
export type RangeResolution =
  | { readonly kind: 'whole' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

export function resolveRange(header: string | undefined, size: number): RangeResolution {
  const match = header === undefined ? null : SINGLE_RANGE.exec(header.trim());
  if (match === null) return { kind: 'whole' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: 'partial', start, end };
}
