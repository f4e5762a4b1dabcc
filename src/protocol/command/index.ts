export * from './remoting-command.js';
export { fastjsonString, encodeJsonHeader, decodeJsonHeader } from './json-header.js';
export { encodeBinaryHeader, decodeBinaryHeader } from './binary-header.js';
