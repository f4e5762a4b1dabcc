/**
 * Allocation strategies: how a consumer group's members split a topic's queues, each one Java's for the
 * same inputs (AVG, AVG_BY_CIRCLE, CONSISTENT_HASH, MACHINE_ROOM, MACHINE_ROOM_NEARBY, CONFIG).
 */
export * from './allocate-strategy.js';
export * from './allocate-on-wire.js';
export * from './averagely.js';
export * from './averagely-by-circle.js';
export * from './by-config.js';
export * from './consistent-hash.js';
export * from './machine-room.js';
export * from './machine-room-nearby.js';
