/**
 * A CommonJS `require` that resolves from this package's own folder, used to load the optional codec
 * packages (fzstd, @bokuweb/zstd-wasm) only when they are installed. It lives in a `.cts` file, which
 * TypeScript always emits as CommonJS, so the ESM and the CommonJS builds share this one source: ESM
 * code would need `createRequire(import.meta.url)`, and CommonJS cannot parse `import.meta`.
 */
export const packageRequire: NodeJS.Require = require;
