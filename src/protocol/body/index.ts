/** Request / response body codecs (JSON via fastjson rules, see ../json; compressed register body). Pure. */
export * from './route.js';
export * from './cluster-info.js';
export * from './topic-config.js';
export * from './register-broker.js';
export * from './kv-table.js';
export * from './topic-list.js';
export * from './heartbeat.js';
export * from './check-client.js';
export * from './consumer-list.js';
export * from './lock-batch.js';
