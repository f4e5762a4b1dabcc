/**
 * fastjson compatibility: a tolerant reader (fastjson-parse.ts) and a byte-exact writer
 * (fastjson-write.ts). See those files for the accepted syntax and the escaping table.
 */
export * from './fastjson-parse.js';
export * from './fastjson-write.js';
