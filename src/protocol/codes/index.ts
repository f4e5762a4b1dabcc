export * from './request-code.js';
export * from './response-code.js';
export * from './language-code.js';
export * from './misc.js';
