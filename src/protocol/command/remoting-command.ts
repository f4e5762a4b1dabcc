import { CommandFlag, DEFAULT_PROTOCOL_VERSION, SerializeType } from '../codes/misc.js';
import type { SerializeTypeCode } from '../codes/misc.js';
import type { LanguageName } from '../codes/language-code.js';

/**
 * One RocketMQ remoting message, request or response. Plain data: encode/decode live in
 * `frame-codec.ts`. All custom-header values travel as strings in `extFields`.
 */
export interface RemotingCommand {
  /** Request code for requests, response code for responses. */
  code: number;
  /** Sender's language; null when the peer sent a language this library does not know. */
  language: LanguageName | null;
  /** Sender's protocol version ordinal (MQVersion). */
  version: number;
  /** Request id; a response carries its request's opaque. */
  opaque: number;
  /** Bit field: CommandFlag.RESPONSE, CommandFlag.ONEWAY. */
  flag: number;
  /** Error text and the like; undefined when absent. */
  remark?: string;
  /** Custom header fields; undefined when the sender wrote none (distinct from `{}`). */
  extFields?: Record<string, string>;
  /** Raw body; undefined when the frame had none. */
  body?: Buffer;
  /** Header form this command arrived in (decoded commands only). */
  serializeType?: SerializeTypeCode;
  /**
   * Top-level JSON header keys in the order they arrived (decoded JSON commands only), so that a decoded
   * frame re-encodes to the very same bytes. When absent the encoder uses Java's alphabetical order.
   * The decoder may hand out one shared frozen array for all frames with the same order.
   */
  headerKeyOrder?: readonly string[];
}

/**
 * What createRequest / createResponse take. Every field may be given as `undefined`, which means "not
 * given" (the default applies, or the command lacks the field): callers fill it straight from optional
 * values such as another command's `body`.
 */
export interface CommandInit {
  /** Header fields (strings), e.g. an encoded custom header. */
  extFields?: Record<string, string> | undefined;
  /** Body bytes. */
  body?: Buffer | undefined;
  /** Free text; responses explain errors here. */
  remark?: string | undefined;
  /** Language of the sender (default JAVA, as Java clients say). */
  language?: LanguageName | undefined;
  /** Sender's protocol version ordinal (default: the version this library speaks). */
  version?: number | undefined;
  /** Request id; normally assigned by the transport. */
  opaque?: number | undefined;
}

/** Creates a request. The transport assigns the opaque when it sends it. */
export function createRequest(code: number, init: CommandInit = {}): RemotingCommand {
  // Optional properties added only when given (no `body: undefined`), without spreads: this runs per
  // request and per response.
  const command: RemotingCommand = {
    code,
    language: init.language ?? 'JAVA',
    version: init.version ?? DEFAULT_PROTOCOL_VERSION,
    opaque: init.opaque ?? 0,
    flag: 0,
  };
  if (init.remark !== undefined) command.remark = init.remark;
  if (init.extFields !== undefined) command.extFields = init.extFields;
  if (init.body !== undefined) command.body = init.body;
  return command;
}

/** Creates a response. The server copies the request's opaque into it when it answers. */
export function createResponse(code: number, init: CommandInit = {}): RemotingCommand {
  const response = createRequest(code, init);
  response.flag = CommandFlag.RESPONSE;
  return response;
}

/** True when the command is a response (flag bit 0). */
export function isResponse(command: RemotingCommand): boolean {
  return (command.flag & CommandFlag.RESPONSE) !== 0;
}

/** True when the command is a oneway request (flag bit 1): no response is sent. */
export function isOneway(command: RemotingCommand): boolean {
  return (command.flag & CommandFlag.ONEWAY) !== 0;
}

/** Marks the command as a oneway request (sets flag bit 1). */
export function markOneway(command: RemotingCommand): void {
  command.flag |= CommandFlag.ONEWAY;
}

/** Marks the command as a response (sets flag bit 0). */
export function markResponse(command: RemotingCommand): void {
  command.flag |= CommandFlag.RESPONSE;
}

/** Short human-readable form for logs and error messages. */
export function describeCommand(command: RemotingCommand): string {
  const kind = isResponse(command) ? 'response' : isOneway(command) ? 'oneway' : 'request';
  const form = command.serializeType === SerializeType.ROCKETMQ ? ' ROCKETMQ' : '';
  return `${kind} code=${command.code} opaque=${command.opaque}${form}${command.remark ? ` remark=${JSON.stringify(command.remark)}` : ''}`;
}
