import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../../functions/wire/base64.ts';
import { createRng } from '../../../shared/random.ts';

/** What decodeBase64 must accept: standard base64, padded to a multiple of 4 characters. */
const STANDARD_PADDED = /^[A-Za-z0-9+/]*={0,2}$/;
const accepts = (text: string) => text.length % 4 === 0 && STANDARD_PADDED.test(text);

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Characters Node's lenient decoder skips or reads as URL-safe base64. */
const INTRUDERS = ['=', '==', '-', '_', ' ', '\n', '\t', '*', '.', '%', 'é', '\u0000', '\u2028'];

describe('decodeBase64', () => {
  it('decodes standard padded base64 to the same bytes as Buffer.from', () => {
    for (const bytes of [[], [1], [1, 2], [1, 2, 3], [255, 254, 253, 252, 251]]) {
      const text = Buffer.from(bytes).toString('base64');
      expect(decodeBase64(text)).toEqual(Buffer.from(bytes));
    }
  });

  it('refuses what Node would decode leniently: unpadded, URL-safe, skipped or misplaced characters', () => {
    for (const text of ['AAA', 'AB-_', 'AA A', 'AA\nA', 'AB=A', 'A===', '====', 'AAA*', 'AAAAé===']) {
      expect(decodeBase64(text), JSON.stringify(text)).toBeUndefined();
    }
  });

  it('accepts exactly what the standard pattern accepts, on 100,000 generated strings', () => {
    const rng = createRng(20261207);
    let accepted = 0;
    for (let n = 0; n < 100_000; n++) {
      const length = 4 * (1 + rng.int(4));
      const chars = Array.from({ length }, () => ALPHABET[rng.int(64)]!);
      for (let m = rng.int(3); m > 0; m--) chars[rng.int(length)] = INTRUDERS[rng.int(INTRUDERS.length)]!;
      if (rng.next() < 0.3) {
        chars[length - 1] = '=';
        if (rng.next() < 0.5) chars[length - 2] = '=';
      }
      let text = chars.join('');
      if (rng.next() < 0.2) text = text.slice(0, rng.int(text.length + 1));
      const decoded = decodeBase64(text);
      expect(decoded !== undefined, JSON.stringify(text)).toBe(accepts(text));
      if (decoded) {
        expect(decoded).toEqual(Buffer.from(text, 'base64'));
        accepted++;
      }
    }
    // Both outcomes occur often enough for the comparison to mean something.
    expect(accepted).toBeGreaterThan(20_000);
    expect(accepted).toBeLessThan(80_000);
  });
});
