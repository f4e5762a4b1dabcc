/**
 * The client instance's events from its transport: connections opened and closed, requests timed
 * out (ChannelEventListener), and the route-change payload. The listener is always registered, but
 * builds nothing unless someone listens.
 */
import type { TopicRouteData } from '../../protocol/body/index.js';
import type { ChannelEventListener } from '../../transport/types.js';
import type { EventHub } from './event-hub.js';
import { ClientEvents } from './event-types.js';
import type { ClientEventMap, RouteChangeEvent } from './event-types.js';

/** Transport shape needed (test doubles may lack it: then no connection events). */
export interface ChannelEventSource {
  addChannelEventListener?(listener: ChannelEventListener): void;
}

export function watchTransport(remoting: ChannelEventSource, hub: EventHub<ClientEventMap>): void {
  remoting.addChannelEventListener?.({
    onChannelConnect(channel) {
      if (hub.listening(ClientEvents.CONNECT)) {
        hub.emit(ClientEvents.CONNECT, { address: channel.remoteAddress });
      }
    },
    onChannelClose(channel) {
      if (hub.listening(ClientEvents.DISCONNECT)) {
        hub.emit(ClientEvents.DISCONNECT, { address: channel.remoteAddress });
      }
    },
    onRequestTimeout(channel, requestCode, timeoutMillis) {
      if (hub.listening(ClientEvents.REQUEST_TIMEOUT)) {
        hub.emit(ClientEvents.REQUEST_TIMEOUT, {
          address: channel.remoteAddress,
          requestCode,
          timeoutMillis,
        });
      }
    },
  });
}

/** Emits route.change for an applied route (when someone listens). */
export function routeChanged(hub: EventHub<ClientEventMap>, topic: string, route: TopicRouteData): void {
  if (!hub.listening(ClientEvents.ROUTE_CHANGE)) return;
  const event: RouteChangeEvent = {
    topic,
    brokerNames: route.brokerDatas.map((b) => b.brokerName),
    readQueues: route.queueDatas.reduce((n, q) => n + q.readQueueNums, 0),
    writeQueues: route.queueDatas.reduce((n, q) => n + q.writeQueueNums, 0),
  };
  hub.emit(ClientEvents.ROUTE_CHANGE, event);
}
