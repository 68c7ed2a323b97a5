/** Compiles a WebAssembly text module (SIMD enabled) to its binary with wabt. */
import wabtModule from 'wabt';

export async function compileWat(name: string, source: string): Promise<Uint8Array> {
  const wabt = await wabtModule();
  const module = wabt.parseWat(name, source, { simd: true });
  try {
    module.validate();
    return Uint8Array.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}
