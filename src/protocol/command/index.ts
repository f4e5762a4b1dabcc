export * from './remoting-command.js';
export { encodeJsonHeader, decodeJsonHeader } from './json-header.js';
export { encodeBinaryHeader, decodeBinaryHeader } from './binary-header.js';
export { DEFAULT_HEADER_LIMITS, resolveHeaderLimits } from './header-limits.js';
export type { HeaderLimits } from './header-limits.js';
