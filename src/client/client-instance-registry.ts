/**
 * Explicit registry of client instances keyed by client id (Java MQClientManager, minus the global):
 * producers and consumers given the same registry and the same client id share one instance. An
 * instance leaves the registry when it shuts down.
 */
import { ClientInstance } from './client-instance.js';
import type { ClientInstanceOptions } from './client-instance.js';
import { buildClientId, uniqueInstanceName } from './client-config.js';
import type { ClientConfig } from './client-config.js';

export class ClientInstanceRegistry {
  private readonly instances = new Map<string, ClientInstance>();

  /** The running (or not yet started) instance for this config's client id, created on first use. */
  getOrCreate(config: ClientConfig, options: Omit<ClientInstanceOptions, 'onShutdown'> = {}): ClientInstance {
    const clientId = buildClientId(config);
    const existing = this.instances.get(clientId);
    if (existing !== undefined && existing.state !== 'SHUTDOWN_ALREADY') return existing;
    const instance = new ClientInstance(config, {
      ...options,
      onShutdown: (i) => {
        if (this.instances.get(i.clientId) === i) this.instances.delete(i.clientId);
      },
    });
    this.instances.set(clientId, instance);
    return instance;
  }

  get(clientId: string): ClientInstance | undefined {
    return this.instances.get(clientId);
  }

  get size(): number {
    return this.instances.size;
  }

  /** Shuts every instance down, members or not. */
  async shutdownAll(): Promise<void> {
    await Promise.all([...this.instances.values()].map((i) => i.shutdown(true)));
    this.instances.clear();
  }
}

/**
 * The instance a producer or consumer starts on: the one given, else the registry's for its client
 * id, else a new one of its own. A `DEFAULT` instance name becomes `<pid>#<nanotime>` first, except
 * for a broadcasting consumer (`keepDefaultName`): as in Java (changeInstanceNameToPID is only called
 * for producers and clustering consumers), it stays `ip@DEFAULT`, so its offset files
 * (`<offsetStoreDir>/<clientId>/<group>/offsets.json`) are found again after a restart.
 */
export function chooseClientInstance(
  choice: { clientInstance?: ClientInstance | undefined; registry?: ClientInstanceRegistry | undefined },
  config: ClientConfig,
  keepDefaultName = false,
): ClientInstance {
  if (choice.clientInstance !== undefined) return choice.clientInstance;
  const client = keepDefaultName
    ? config
    : { ...config, instanceName: uniqueInstanceName(config.instanceName) };
  return choice.registry?.getOrCreate(client) ?? new ClientInstance(client);
}
