/**
 * Held pulls for the PullHoldService unit tests: a stand-in channel, a pull on queue T/0 at offset 0
 * held 60 s (override any field), and an arrival's tags code and properties as the store gives them.
 */
import type { HeldPull } from '../../src/server/broker/pull/pull-hold-service.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { encodeProperties } from '../../src/protocol/message/properties.js';
import { javaStringHash } from '../../src/protocol/java/string-hash.js';
import type { RemotingChannel } from '../../src/transport/types.js';

let ids = 1;
export const channel = (): RemotingChannel =>
  ({
    id: ids++,
    closed: false,
    remoteAddress: '127.0.0.1:1',
    send: () => Promise.resolve(),
  }) as unknown as RemotingChannel;

/** A pull held 60 s on T/0 at offset 0 without a filter; its request's opaque is `opaque`. */
export function heldPull(opaque: number, over: Partial<HeldPull>): HeldPull {
  return {
    channel: channel(),
    request: createRequest(11, { opaque }),
    topic: 'T',
    queueId: 0,
    offset: 0n,
    filter: { codes: undefined },
    holdMillis: 60_000,
    ...over,
  };
}

export const arrival = (props: Record<string, string>): { tagsCode: bigint; properties: string } => ({
  tagsCode: BigInt(props.TAGS === undefined ? 0 : javaStringHash(props.TAGS)),
  properties: encodeProperties(props),
});
