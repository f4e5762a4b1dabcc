/**
 * fastjson compatibility, the JSON ground floor of the protocol layer shared by command/ (the JSON
 * header) and body/ (every JSON body): a tolerant reader (fastjson-parse.ts), typed field access with
 * fastjson's coercions (object-reader.ts) and a byte-exact writer (fastjson-write.ts). string-bytes.ts
 * reads JSON string literals straight from UTF-8 bytes for the header fast path.
 */
export * from './fastjson-parse.js';
export * from './fastjson-write.js';
export * from './object-reader.js';
