/**
 * The message-body codecs by RocketMQ compression type (sysFlag bits 8-10, Java CompressorFactory):
 *
 *   ZLIB  node:zlib (RFC 1950 stream, as java.util.zip.Deflater writes it); compressed results are
 *         sized to their content (zlib-deflater.ts: no 16 KiB output buffer pinned per body)
 *   LZ4   built in (./lz4: the LZ4 frame format that lz4-java's LZ4FrameOutputStream writes)
 *   ZSTD  node:zlib where the running Node has zstd (22.15+ / 23.8+); otherwise the optional packages
 *         `fzstd` (pure-JS decoder) and `@bokuweb/zstd-wasm` (zstd's C library in WebAssembly; the
 *         encoder, and a second decoder once loaded). The WebAssembly module loads asynchronously:
 *         `prepareCompressionCodec('ZSTD')` (the producer calls it in start()) before compressing.
 *
 * A codec that is not there is a CompressionCodecUnavailableError naming the package to install;
 * bytes that do not decode are a BodyDecompressError. Nothing is ever handed back still compressed.
 * Every decoder is bounded by `maxOutputLength` before it allocates (zip-bomb guard).
 */
import * as zlib from 'node:zlib';
import { packageRequire } from './package-require.cjs';
import { BodyDecompressError, CompressionCodecUnavailableError } from '../../common/codec-errors.js';
import { MessageSysFlag } from './constants.js';
import type { CompressionType } from './constants.js';
import { DEFAULT_MAX_DECOMPRESSED_SIZE } from './compression.js';
import { lz4FrameCompress, lz4FrameDecompress } from './lz4/lz4-frame.js';
import { zstdDecodedSizeBound, zstdWithBoundedWindows } from './zstd-frame.js';
import { deflateBody } from './zlib-deflater.js';

/** Every CompressionType, in Java's order. */
export const COMPRESSION_TYPES: readonly CompressionType[] = ['ZLIB', 'LZ4', 'ZSTD'];
export const ZSTD_DECODER_PACKAGE = 'fzstd';
export const ZSTD_ENCODER_PACKAGE = '@bokuweb/zstd-wasm';

/** Java CompressionType.of: the name trimmed, any case; undefined for anything else. */
export function parseCompressionType(name: string): CompressionType | undefined {
  const upper = name.trim().toUpperCase();
  return (COMPRESSION_TYPES as readonly string[]).includes(upper) ? (upper as CompressionType) : undefined;
}

/** The sysFlag bits a compressed body of this type carries: COMPRESSED plus the type (Java 4.9.4+). */
export function compressedSysFlag(type: CompressionType): number {
  const typeBits = { LZ4: MessageSysFlag.COMPRESSION_LZ4_TYPE, ZSTD: MessageSysFlag.COMPRESSION_ZSTD_TYPE };
  return (
    MessageSysFlag.COMPRESSED | (type === 'ZLIB' ? MessageSysFlag.COMPRESSION_ZLIB_TYPE : typeBits[type])
  );
}

interface NodeZstd {
  zstdCompressSync(data: Uint8Array, options: { params: Record<number, number> }): Buffer;
  zstdDecompressSync(data: Uint8Array, options: { maxOutputLength: number }): Buffer;
  constants: { ZSTD_c_compressionLevel: number };
}
interface FzstdModule {
  decompress(data: Uint8Array): Uint8Array;
}
interface ZstdWasmModule {
  init(): Promise<void>;
  compress(data: Uint8Array, level?: number): Uint8Array;
  decompress(data: Uint8Array): Uint8Array;
}

/** What this process can use; tests replace it to see the behaviour without a package or native zstd. */
export interface CodecEnvironment {
  nativeZstd: NodeZstd | undefined;
  /** Loads an optional package, or returns undefined when it is not installed. */
  load(packageName: string): unknown;
}

function loadInstalled(packageName: string): unknown {
  try {
    return packageRequire(packageName) as unknown;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

function detectNativeZstd(): NodeZstd | undefined {
  const z = zlib as unknown as Partial<NodeZstd>;
  const ok = typeof z.zstdCompressSync === 'function' && typeof z.zstdDecompressSync === 'function';
  return ok ? (z as NodeZstd) : undefined;
}

const defaultEnvironment: CodecEnvironment = { nativeZstd: detectNativeZstd(), load: loadInstalled };
let env: CodecEnvironment = defaultEnvironment;
let fzstd: FzstdModule | null | undefined;
let zstdWasm: ZstdWasmModule | undefined;
let zstdWasmLoading: Promise<ZstdWasmModule | undefined> | undefined;
const wasmInits = new WeakMap<object, Promise<void>>();

/** Replaces (or, with undefined, restores) the codec environment; forgets what was loaded. For tests. */
export function overrideCodecEnvironment(next: CodecEnvironment | undefined): void {
  env = next ?? defaultEnvironment;
  fzstd = undefined;
  zstdWasm = undefined;
  zstdWasmLoading = undefined;
}

function unavailable(type: CompressionType, op: 'compress' | 'decompress'): CompressionCodecUnavailableError {
  const pkg = op === 'compress' ? ZSTD_ENCODER_PACKAGE : ZSTD_DECODER_PACKAGE;
  const hint =
    op === 'compress'
      ? `install the optional package ${pkg} (npm install ${pkg}) and start the producer (it loads the ` +
        `WebAssembly module), or run Node 22.15+ whose node:zlib has zstd`
      : `install the optional package ${pkg} (npm install ${pkg}), or run Node 22.15+ whose node:zlib has zstd`;
  return new CompressionCodecUnavailableError(type, op, pkg, hint);
}

/**
 * Whether `type` can be used for `operation` here (perhaps after prepareCompressionCodec): undefined
 * when it can, else the error to throw. Synchronous, for option validation.
 */
export function checkCompressionCodec(
  type: CompressionType,
  operation: 'compress' | 'decompress',
): CompressionCodecUnavailableError | undefined {
  if (type !== 'ZSTD' || env.nativeZstd !== undefined || zstdWasm !== undefined) return undefined;
  if (operation === 'decompress' && fzstdModule() !== undefined) return undefined;
  return env.load(ZSTD_ENCODER_PACKAGE) === undefined ? unavailable(type, operation) : undefined;
}

/** Loads what `type` needs asynchronously (the zstd WebAssembly encoder on a Node without zstd). */
export async function prepareCompressionCodec(
  type: CompressionType,
  operation: 'compress' | 'decompress' = 'compress',
): Promise<void> {
  if (type !== 'ZSTD' || env.nativeZstd !== undefined || zstdWasm !== undefined) return;
  if (operation === 'decompress' && fzstdModule() !== undefined) return;
  zstdWasmLoading ??= (async () => {
    const mod = env.load(ZSTD_ENCODER_PACKAGE) as ZstdWasmModule | undefined;
    if (mod === undefined) return undefined;
    // Once per module object: a second init() replaces the module's memory under it.
    let init = wasmInits.get(mod);
    if (init === undefined) {
      wasmInits.set(mod, (init = mod.init()));
      init.catch(() => wasmInits.delete(mod));
    }
    await init;
    return mod;
  })();
  try {
    zstdWasm = await zstdWasmLoading;
  } catch (err) {
    zstdWasmLoading = undefined; // a later start() tries again
    const { packageName, hint } = unavailable(type, operation);
    const reason = err instanceof Error ? err.message : String(err);
    throw new CompressionCodecUnavailableError(
      type,
      operation,
      packageName,
      `${packageName} failed to load (${reason}); ${hint}`,
    );
  }
  if (zstdWasm === undefined) throw unavailable(type, operation);
}

function fzstdModule(): FzstdModule | undefined {
  if (fzstd === undefined) fzstd = (env.load(ZSTD_DECODER_PACKAGE) as FzstdModule | undefined) ?? null;
  return fzstd ?? undefined;
}

/** Compresses a body as a Java producer of this compression type does (level ignored by LZ4, as Java). */
export function compressMessageBody(body: Uint8Array, type: CompressionType, level: number): Buffer {
  switch (type) {
    case 'ZLIB':
      return deflateBody(body, level);
    case 'LZ4':
      return lz4FrameCompress(body);
    case 'ZSTD': {
      if (env.nativeZstd !== undefined) {
        const params = { [env.nativeZstd.constants.ZSTD_c_compressionLevel]: level };
        return env.nativeZstd.zstdCompressSync(body, { params });
      }
      if (zstdWasm === undefined) throw unavailable(type, 'compress');
      const out = zstdWasm.compress(body, level);
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    }
  }
}

/** Limits of body decompression. */
export interface MessageBodyDecompressOptions {
  /** Refuse to decode past this many bytes. Default 64 MiB. */
  maxOutputLength?: number;
}

/**
 * inflateSync returns a slice of its 16 KiB output chunk: a 4 KiB body would pin 16 KiB for as long
 * as the message is held (a consumer's process queue holds up to a thousand per queue). Small
 * results get a buffer of their own size.
 */
function ownBuffer(out: Buffer): Buffer {
  if (out.buffer.byteLength < out.length * 2) return out;
  const copy = Buffer.allocUnsafe(out.length);
  out.copy(copy);
  return copy;
}

/** Decodes a body of this compression type; throws BodyDecompressError or CompressionCodecUnavailableError. */
export function decompressMessageBody(
  body: Uint8Array,
  type: CompressionType,
  options: MessageBodyDecompressOptions = {},
): Buffer {
  const max = options.maxOutputLength ?? DEFAULT_MAX_DECOMPRESSED_SIZE;
  try {
    switch (type) {
      case 'ZLIB':
        return ownBuffer(zlib.inflateSync(body, { maxOutputLength: max }));
      case 'LZ4':
        return lz4FrameDecompress(body, max);
      case 'ZSTD':
        return decompressZstd(body, max);
    }
  } catch (err) {
    if (err instanceof CompressionCodecUnavailableError || err instanceof BodyDecompressError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new BodyDecompressError(type, `${reason} (${body.length} bytes)`, undefined, err);
  }
}

function decompressZstd(body: Uint8Array, max: number): Buffer {
  if (env.nativeZstd !== undefined) return env.nativeZstd.zstdDecompressSync(body, { maxOutputLength: max });
  const bound = zstdDecodedSizeBound(body);
  if (bound > max) {
    throw new BodyDecompressError('ZSTD', `it may decode to ${bound} bytes, over the limit of ${max}`);
  }
  const decoder = fzstdModule() ?? zstdWasm;
  if (decoder === undefined) throw unavailable('ZSTD', 'decompress');
  // fzstd allocates the declared window up front: declare no more than the output can need.
  const out = decoder.decompress(decoder === zstdWasm ? body : zstdWithBoundedWindows(body));
  if (out.byteLength > max) throw new BodyDecompressError('ZSTD', `decoded past the limit of ${max} bytes`);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}
