export * from './frame-codec.js';
export * from './frame-decoder.js';
