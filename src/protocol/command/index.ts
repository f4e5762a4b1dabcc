export * from './remoting-command.js';
export { encodeJsonHeader, decodeJsonHeader } from './json-header.js';
export { encodeBinaryHeader, decodeBinaryHeader } from './binary-header.js';
