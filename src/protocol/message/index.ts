export * from './tags-code.js';
// The Java helpers message codecs are built on, for callers that know them from here.
export { javaStringHash } from '../java/string-hash.js';
export { javaHashMapOrder } from '../java/hash-map.js';
export * from './constants.js';
export * from './properties.js';
export * from './crc32.js';
export * from './address.js';
export * from './message-id.js';
export * from './compression.js';
export * from './codecs.js';
export * from './record.js';
export * from './message.js';
export * from './validators.js';
export * from './namespace.js';
export * from './batch.js';
export * from './timer-message.js';
export * from './recall-handle.js';
