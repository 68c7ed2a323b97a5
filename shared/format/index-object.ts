import type { ObjectKind } from './object-kinds.ts';
import { hasSection, type ObjectHeader, readObjectHeader, readSection } from './read-object.ts';
import { sectionName } from './section-ids.ts';
import { f32View, f64View, i32View, u32View } from './section-views.ts';

/** A validated object held in memory, with CRC-checked typed access to its sections. */
export class IndexObject {
  private constructor(
    readonly bytes: Uint8Array,
    readonly header: ObjectHeader,
    /** The key, for messages. */
    readonly what: string,
  ) {}

  static open(bytes: Uint8Array, what: string, kind?: ObjectKind): IndexObject {
    return new IndexObject(bytes, readObjectHeader(bytes, what, kind === undefined ? {} : { kind }), what);
  }

  has(id: number): boolean {
    return hasSection(this.header, id);
  }

  section(id: number): Uint8Array {
    return readSection(this.bytes, this.header, id, this.what);
  }

  f32(id: number): Float32Array {
    return f32View(this.section(id), this.#label(id));
  }

  f64(id: number): Float64Array {
    return f64View(this.section(id), this.#label(id));
  }

  u32(id: number): Uint32Array {
    return u32View(this.section(id), this.#label(id));
  }

  i32(id: number): Int32Array {
    return i32View(this.section(id), this.#label(id));
  }

  #label(id: number): string {
    return `section ${sectionName(id)} of \`${this.what}\``;
  }
}
