/**
 * Binary object layout, layout version 1 (all integers little-endian):
 *
 *   0   8  magic `SQSHIDX\0`
 *   8   4  u32 layout version (1)
 *  12   4  u32 object kind
 *  16   4  u32 section count
 *  20   4  u32 CRC32C of the header: bytes 0..20 then the section table
 *  24  32× section table entries:
 *          +0 u32 id, +4 u32 reserved (0), +8 u64 offset, +16 u64 length, +24 u32 CRC32C, +28 u32 reserved (0)
 *  …       payloads, each starting at a multiple of 8 (zero padding between), in table order
 *
 * Offsets are absolute within the object. docs/contracts.md lists the u32 at byte 20 as reserved;
 * it carries the header's own checksum so that no byte of the header can change unnoticed. Padding
 * bytes are zero, and readers that fetch an object by ranges check that they are.
 *
 * The layout version is not the index format version (`FORMAT_VERSION`, in the manifest): index
 * format 2 added the manifest's checksum and kept this layout, so its objects still say 1.
 */
export const MAGIC = new Uint8Array([0x53, 0x51, 0x53, 0x48, 0x49, 0x44, 0x58, 0x00]);
export const OBJECT_LAYOUT_VERSION = 1;
export const FIXED_HEADER_BYTES = 24;
export const SECTION_ENTRY_BYTES = 32;
export const PAYLOAD_ALIGNMENT = 8;
export const HEADER_CRC_OFFSET = 20;

export function headerByteLength(sectionCount: number): number {
  return FIXED_HEADER_BYTES + sectionCount * SECTION_ENTRY_BYTES;
}

export function alignUp(value: number): number {
  return Math.ceil(value / PAYLOAD_ALIGNMENT) * PAYLOAD_ALIGNMENT;
}
