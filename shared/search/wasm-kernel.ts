/**
 * Loading the project's WebAssembly kernels (`fast-scan/`, `block-scan/`): each is a small hand-written
 * module with one memory, embedded as base64 so that bundled functions need no extra file.
 */

/** The few WebAssembly APIs used (the project's TypeScript libraries do not declare them). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: Record<string, unknown> };
}

const PAGE = 65536;

/**
 * A loader of the module: on first use it instantiates the module and `bind`s its exports, and then
 * keeps what it got (null where WebAssembly, or its SIMD, is unavailable).
 */
export function kernelLoader<Kernel>(
  base64: string,
  bind: (exports: Record<string, unknown>) => Kernel,
): () => Kernel | null {
  let kernel: Kernel | null | undefined;
  return () => {
    if (kernel === undefined) {
      const exports = instantiate(base64);
      kernel = exports === null ? null : bind(exports);
    }
    return kernel;
  };
}

function instantiate(base64: string): Record<string, unknown> | null {
  try {
    const api = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
    return new api.Instance(new api.Module(Buffer.from(base64, 'base64'))).exports;
  } catch {
    return null;
  }
}

/** Grows the memory to at least `bytes` (growing detaches every view of the old buffer). */
export function reserve(memory: WasmMemory, bytes: number): void {
  const missing = bytes - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / PAGE));
}

/** `offset` rounded up to a multiple of `bytes` (a power of two): where a typed view may start. */
export function alignTo(offset: number, bytes: number): number {
  return (offset + bytes - 1) & ~(bytes - 1);
}
