/**
 * OpenTelemetry messaging semantic conventions for RocketMQ (attribute names as the conventions
 * spell them; `messaging.rocketmq.*` from its RocketMQ page), computed from our messages.
 */
import type { Attributes } from '@opentelemetry/api';
import { KEY_SEPARATOR, MessageConst } from '../protocol/message/constants.js';

export const ATTR = {
  SYSTEM: 'messaging.system',
  DESTINATION: 'messaging.destination.name',
  OPERATION_TYPE: 'messaging.operation.type',
  OPERATION_NAME: 'messaging.operation.name',
  MESSAGE_ID: 'messaging.message.id',
  BODY_SIZE: 'messaging.message.body.size',
  CONSUMER_GROUP: 'messaging.consumer.group.name',
  PARTITION: 'messaging.destination.partition.id',
  CLIENT_GROUP: 'messaging.rocketmq.client_group',
  TAG: 'messaging.rocketmq.message.tag',
  KEYS: 'messaging.rocketmq.message.keys',
  TYPE: 'messaging.rocketmq.message.type',
  NAMESPACE: 'messaging.rocketmq.namespace',
  SERVER_ADDRESS: 'server.address',
  SERVER_PORT: 'server.port',
  ERROR_TYPE: 'error.type',
  /** Not a convention: the RocketMQ / client error code of a failure. */
  ERROR_CODE: 'messaging.rocketmq.error.code',
} as const;

export const SYSTEM = 'rocketmq';

interface MessageLike {
  readonly topic: string;
  readonly body?: Buffer | Uint8Array | string | undefined;
  getProperty(name: string): string | undefined;
}

/** normal, fifo (sharding key), delay (delay level or timer) or transaction, as the conventions name them. */
export function messageType(message: MessageLike): string {
  if (message.getProperty(MessageConst.PROPERTY_TRANSACTION_PREPARED) === 'true') return 'transaction';
  if (
    message.getProperty(MessageConst.PROPERTY_DELAY_TIME_LEVEL) !== undefined ||
    message.getProperty(MessageConst.PROPERTY_TIMER_DELIVER_MS) !== undefined
  ) {
    return 'delay';
  }
  if (message.getProperty(MessageConst.PROPERTY_SHARDING_KEY) !== undefined) return 'fifo';
  return 'normal';
}

/** The message attributes every span shares. */
export function messageAttributes(message: MessageLike): Attributes {
  const attributes: Attributes = { [ATTR.SYSTEM]: SYSTEM, [ATTR.DESTINATION]: message.topic };
  const tag = message.getProperty(MessageConst.PROPERTY_TAGS);
  if (tag) attributes[ATTR.TAG] = tag;
  const keys = message.getProperty(MessageConst.PROPERTY_KEYS);
  if (keys) attributes[ATTR.KEYS] = keys.split(KEY_SEPARATOR).filter((k) => k !== '');
  attributes[ATTR.TYPE] = messageType(message);
  const body = message.body;
  if (body !== undefined)
    attributes[ATTR.BODY_SIZE] = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  return attributes;
}

/** server.address / server.port of "host:port". */
export function serverAttributes(address: string | undefined): Attributes {
  if (!address) return {};
  const colon = address.lastIndexOf(':');
  if (colon < 0) return { [ATTR.SERVER_ADDRESS]: address };
  const port = Number(address.slice(colon + 1));
  return {
    [ATTR.SERVER_ADDRESS]: address.slice(0, colon),
    ...(Number.isInteger(port) && { [ATTR.SERVER_PORT]: port }),
  };
}

/** error.type: the error class name (the conventions' choice for exceptions). */
export function errorType(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** A pulled or consumed message as a property carrier. */
export function pulledCarrier(message: {
  readonly topic: string;
  readonly body?: Buffer | Uint8Array | undefined;
  readonly properties: Readonly<Record<string, string>>;
}): MessageLike {
  return { topic: message.topic, body: message.body, getProperty: (name) => message.properties[name] };
}
