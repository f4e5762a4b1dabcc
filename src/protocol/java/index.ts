/**
 * Java compatibility, the ground floor of the protocol layer: what Java computes that shows on the
 * wire or on disk (String.hashCode, HashMap iteration order, String.getBytes(UTF_8), int ranges).
 * Imports nothing of the protocol's other folders.
 */
export * from './string-hash.js';
export * from './hash-map.js';
export * from './utf8.js';
export * from './int-range.js';
export * from './big-endian.js';
