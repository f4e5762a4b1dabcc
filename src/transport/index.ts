export * from './types.js';
export { RemotingClient } from './remoting-client.js';
export type { InvokeCallback, RemotingClientConfig, SocketFactory } from './remoting-client.js';
export { RemotingServer } from './remoting-server.js';
export type { RemotingServerConfig } from './remoting-server.js';
export { TransportDefaults } from './defaults.js';
export { formatAddress, normalizeHost, parseAddress } from './address.js';
export type { HostPort } from './address.js';
export { errorRemark, notSupportedRemark, OVERLOAD_REMARK, REJECT_REQUEST_REMARK } from './dispatcher.js';
