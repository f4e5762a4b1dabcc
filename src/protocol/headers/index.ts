export * from './schema.js';
export * from './rpc-fields.js';
export * from './send.js';
export * from './pull.js';
export * from './namesrv.js';
export * from './offsets.js';
export * from './client.js';
export * from './admin.js';
