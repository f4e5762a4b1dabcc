/**
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), identical to zlib / java.util.zip.CRC32.
 * Node >= 20.15 ships `zlib.crc32`; older runtimes fall back to a table-driven implementation.
 */
import * as zlib from 'node:zlib';

type Crc32Fn = (data: Uint8Array, value?: number) => number;

const nativeCrc32: Crc32Fn | undefined = (zlib as unknown as { crc32?: Crc32Fn }).crc32;

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** Table-driven CRC-32; exported for tests that compare it with the native one. */
export function crc32Portable(data: Uint8Array): number {
  const t = crcTable();
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Unsigned CRC-32 of `data` (0 ..= 0xFFFFFFFF). */
export function crc32(data: Uint8Array): number {
  return nativeCrc32 ? nativeCrc32(data) >>> 0 : crc32Portable(data);
}

/** The BODYCRC field of a commit-log record: CRC-32 with the sign bit cleared (`UtilAll.crc32`). */
export function storedBodyCrc(data: Uint8Array): number {
  return crc32(data) & 0x7fffffff;
}
