/** The whole protocol layer: pure encode/decode of frames, headers, bodies and message records. */
export * from './codes/index.js';
export * from './java/index.js';
export * from './json/index.js';
export * from './command/index.js';
export * from './frame/index.js';
export * from './headers/index.js';
export * from './body/index.js';
export * from './message/index.js';
