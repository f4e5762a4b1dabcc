/**
 * Broker liveness (Java BrokerHousekeepingService + RouteInfoManager.scanNotActiveBroker):
 * - a periodic scan drops every broker whose last registration is older than its expiry (default
 *   120 s; 5.x brokers may send their own), closing its connection first;
 * - a connection that closes, fails or idles out drops the broker registered over it at once.
 */
import type { Logger } from '../../common/logger.js';
import type { ChannelEventListener, RemotingChannel } from '../../transport/types.js';
import type { RouteRegistry } from './route-registry.js';

export const DEFAULT_SCAN_INTERVAL_MILLIS = 10_000;

export class BrokerLiveness implements ChannelEventListener {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: RouteRegistry,
    private readonly scanIntervalMillis: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.scan(), this.scanIntervalMillis);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Drops expired brokers; returns their addresses. */
  scan(): string[] {
    const removed: string[] = [];
    for (const [addr, live] of this.registry.expiredBrokers()) {
      live.channel?.close('broker registration expired');
      this.registry.brokerLiveTable.delete(addr);
      this.registry.onChannelDestroy(undefined, addr);
      this.logger.warn(
        { addr, expiryMillis: live.heartbeatTimeoutMillis },
        'broker expired, removed from the route table',
      );
      removed.push(addr);
    }
    return removed;
  }

  private channelGone(channel: RemotingChannel, why: string): void {
    const addr = this.registry.onChannelDestroy(channel, channel.remoteAddress);
    if (addr !== undefined)
      this.logger.info({ addr, why }, 'broker connection gone, removed from the route table');
  }

  onChannelClose(channel: RemotingChannel): void {
    this.channelGone(channel, 'closed');
  }

  onChannelException(channel: RemotingChannel): void {
    this.channelGone(channel, 'exception');
  }

  onChannelIdle(channel: RemotingChannel): void {
    this.channelGone(channel, 'idle');
  }
}
