/**
 * External ids: the ids the build input carried (strings, or integers), one per global ordinal, stored
 * once per index version as `ids.bin` (offsets (n + 1) × u32, then UTF-8 bytes). Everything inside the
 * index uses dense ordinals; external ids are resolved only when a response is shaped (STYLE §9).
 */
import { IndexFormatError, InvalidInputError } from '../errors/index.ts';

export type ExternalId = string | number;
export type ExternalIdKind = 'string' | 'integer';

export class ExternalIds {
  private readonly decoder = new TextDecoder();

  private constructor(
    readonly kind: ExternalIdKind,
    private readonly offsets: Uint32Array,
    private readonly bytes: Uint8Array,
  ) {}

  get count(): number {
    return this.offsets.length - 1;
  }

  get(ordinal: number): ExternalId {
    const text = this.decoder.decode(this.bytes.subarray(this.offsets[ordinal]!, this.offsets[ordinal + 1]!));
    return this.kind === 'integer' ? Number(text) : text;
  }

  /** Validates the ids the input carried: one per vector, all strings or all safe integers, unique. */
  static check(ids: readonly unknown[], count: number): ExternalIdKind {
    if (ids.length !== count) {
      throw new InvalidInputError(
        `${ids.length} ids for ${count} vectors; expected an \`id\` on every row or on none`,
      );
    }
    const integers = ids.every((id) => Number.isSafeInteger(id));
    const seen = new Set<string>();
    ids.forEach((id, row) => {
      if (!(integers || (typeof id === 'string' && id !== ''))) {
        throw new InvalidInputError(
          `row ${row}: id ${JSON.stringify(id) ?? 'missing'} is not valid; expected non-empty strings or safe integers on every row`,
        );
      }
      const key = String(id);
      if (seen.has(key))
        throw new InvalidInputError(
          `row ${row}: id ${JSON.stringify(id)} is given twice; ids must be unique`,
        );
      seen.add(key);
    });
    return integers ? 'integer' : 'string';
  }

  static encode(ids: readonly ExternalId[]): Uint8Array {
    const encoder = new TextEncoder();
    const parts = ids.map((id) => encoder.encode(String(id)));
    const header = (ids.length + 1) * 4;
    const out = new Uint8Array(header + parts.reduce((sum, part) => sum + part.length, 0));
    const view = new DataView(out.buffer);
    let offset = 0;
    parts.forEach((part, i) => {
      view.setUint32(i * 4, offset, true);
      out.set(part, header + offset);
      offset += part.length;
    });
    view.setUint32(ids.length * 4, offset, true);
    return out;
  }

  static decode(section: Uint8Array, count: number, kind: ExternalIdKind, what: string): ExternalIds {
    const header = (count + 1) * 4;
    if (section.byteLength < header) {
      throw new IndexFormatError(
        `${what} has ${section.byteLength} bytes; ${count} ids need at least ${header}`,
      );
    }
    const view = new DataView(section.buffer, section.byteOffset, section.byteLength);
    const offsets = new Uint32Array(count + 1);
    for (let i = 0; i <= count; i++) {
      offsets[i] = view.getUint32(i * 4, true);
      if ((i > 0 && offsets[i]! < offsets[i - 1]!) || header + offsets[i]! > section.byteLength) {
        throw new IndexFormatError(`${what}: id offset ${i} (${offsets[i]}) is out of order or past the end`);
      }
    }
    return new ExternalIds(kind, offsets, section.subarray(header));
  }
}
