/**
 * The transport of a client instance: the remoting client it talks through (the real RemotingClient,
 * or a test double with the same shape), built from the client config with the user's RPC hooks.
 */
import { RemotingClient } from '../transport/remoting-client.js';
import type { ClientConfig } from './client-config.js';

/** Transport shape the instance uses; the real RemotingClient by default, test doubles otherwise. */
export type InstanceRemoting = Pick<
  RemotingClient,
  | 'invokeSync'
  | 'invokeAsync'
  | 'invokeOneway'
  | 'shutdown'
  | 'registerProcessor'
  | 'registerRPCHook'
  | 'closeChannel'
> &
  Partial<Pick<RemotingClient, 'addChannelEventListener' | 'cancelRequest'>>;

/** The RemotingClient of a config (connect timeout, header form, TLS), before any hook. */
export function remotingFor(config: ClientConfig): RemotingClient {
  return new RemotingClient({
    connectTimeoutMillis: config.connectTimeoutMillis,
    serializeType: config.serializeType,
    logger: config.logger,
    tls: config.tls,
  });
}
