/**
 * Damage to a stored object's bytes, as storage and transfers cause it: one flipped bit, a truncation,
 * bytes appended. Small objects get an edit at every byte; larger ones every byte of the first
 * `headBytes` (headers, section tables) plus offsets spread evenly over the rest and the last bytes.
 */
export interface Edit {
  readonly key: string;
  readonly kind: 'flip' | 'truncate' | 'append' | 'field';
  /** For messages: what was changed, e.g. `flip bit 3 of byte 120`. */
  readonly description: string;
  /** The damaged bytes (a new array). */
  apply(bytes: Uint8Array): Uint8Array;
}

export interface Spread {
  /** Objects up to this size get an edit at every byte. */
  readonly everyByteUpTo: number;
  /** Larger objects: every byte of this leading part... */
  readonly headBytes: number;
  /** ...and this many offsets spread over the rest (including the last bytes). */
  readonly samples: number;
}

/** The offsets (ascending, distinct) at which an object of `size` bytes is edited. */
export function spreadOffsets(size: number, spread: Spread): number[] {
  if (size <= spread.everyByteUpTo) return Array.from({ length: size }, (_, i) => i);
  const offsets = new Set<number>();
  for (let i = 0; i < Math.min(spread.headBytes, size); i++) offsets.add(i);
  for (let s = 0; s < spread.samples; s++) {
    offsets.add(Math.floor(spread.headBytes + ((size - 1 - spread.headBytes) * s) / (spread.samples - 1)));
  }
  for (let i = Math.max(0, size - 16); i < size; i++) offsets.add(i);
  return [...offsets].sort((a, b) => a - b);
}

export function byteEdits(key: string, size: number, spread: Spread): Edit[] {
  const edits: Edit[] = [];
  const offsets = spreadOffsets(size, spread);
  for (const offset of offsets) {
    // Cycle through the bit positions so that every bit of a byte is exercised across offsets.
    const bit = (offset * 5 + 3) % 8;
    edits.push({
      key,
      kind: 'flip',
      description: `flip bit ${bit} of byte ${offset}`,
      apply: (bytes) => {
        const out = bytes.slice();
        out[offset]! ^= 1 << bit;
        return out;
      },
    });
  }
  const lengths = new Set(offsets.filter((_, i) => i % 4 === 0));
  lengths.add(0);
  lengths.add(size - 1);
  for (const length of [...lengths].sort((a, b) => a - b)) {
    if (length >= size) continue;
    edits.push({
      key,
      kind: 'truncate',
      description: `truncate to ${length} of ${size} bytes`,
      apply: (bytes) => bytes.slice(0, length),
    });
  }
  const tails: [string, Uint8Array][] = [
    ['one zero byte', new Uint8Array(1)],
    ['a space', Uint8Array.of(0x20)],
    ['a newline', Uint8Array.of(0x0a)],
    ['eight zero bytes', new Uint8Array(8)],
    ['100 bytes of 0xa5', new Uint8Array(100).fill(0xa5)],
  ];
  for (const [what, tail] of tails) {
    edits.push({
      key,
      kind: 'append',
      description: `append ${what}`,
      apply: (bytes) => {
        const out = new Uint8Array(bytes.byteLength + tail.byteLength);
        out.set(bytes);
        out.set(tail, bytes.byteLength);
        return out;
      },
    });
  }
  return edits;
}
