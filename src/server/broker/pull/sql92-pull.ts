/**
 * SQL92 property filtering of PULL_MESSAGE (Java PullMessageProcessor + ExpressionMessageFilter,
 * 4.9.8): which selector a pull uses (its own expression with the subscription flag, else the
 * group's compiled subscription from the heartbeats), refused with Java's codes and remarks, and the
 * store read that keeps only the messages whose properties the selector matches.
 */
import { RequestRefusedError } from '../../../common/errors.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import { isTagExpressionType, Sql92SyntaxError } from '../../../protocol/filter/index.js';
import type { Sql92Selector } from '../../../protocol/filter/index.js';
import { decodeProperties } from '../../../protocol/message/properties.js';
import { recordFieldOffsets } from '../../../protocol/message/record-layout.js';
import { RecordOffset } from '../../../protocol/message/record-layout.js';
import { MessageMagic } from '../../../protocol/message/constants.js';
import type { GetMessageResult, TagsCodeFilter } from '../../store/index.js';
import type { BrokerContext } from '../core/broker-context.js';

/** Consume-queue entries one pull may scan for matches in all (Java maxFilterMessageCount, 16000). */
const MAX_FILTER_SCAN = 16_000;

export interface PullFilterRequest {
  consumerGroup: string;
  topic: string;
  subVersion: number;
  /** The pull's own subscription (subscription flag set), else undefined. */
  own: { subString: string | undefined; expressionType: string | undefined } | undefined;
  /** The group's subscription type from the heartbeats (no subscription flag). */
  registeredType: string | undefined;
}

function notSupported(type: string): RequestRefusedError {
  return new RequestRefusedError(
    ResponseCode.SYSTEM_ERROR,
    `The broker does not support consumer to filter message by ${type}`,
  );
}

/** The selector of a pull; undefined for tag subscriptions. Throws RequestRefusedError as Java answers. */
export function pullSelector(ctx: BrokerContext, r: PullFilterRequest): Sql92Selector | undefined {
  if (r.own) {
    const type = r.own.expressionType;
    if (isTagExpressionType(type)) return undefined;
    const expression = r.own.subString ?? '';
    // FilterAPI.build: an empty expression of a non-tag type fails to parse.
    if (expression.length === 0) {
      throw new RequestRefusedError(
        ResponseCode.SUBSCRIPTION_PARSE_FAILED,
        "parse the consumer's subscription failed",
      );
    }
    if (!ctx.options.enablePropertyFilter) throw notSupported(type!);
    try {
      return ctx.consumerFilters.compileCached(expression, type!);
    } catch (err) {
      if (!(err instanceof Sql92SyntaxError)) throw err;
      // Java would go on with no filter at all (ConsumerFilterManager.build returned null): refuse.
      throw new RequestRefusedError(
        ResponseCode.SUBSCRIPTION_PARSE_FAILED,
        `parse the consumer's subscription failed: ${err.message}`,
      );
    }
  }
  const type = r.registeredType;
  if (isTagExpressionType(type)) return undefined;
  const filter = ctx.consumerFilters.get(r.topic, r.consumerGroup);
  if (!filter) {
    throw new RequestRefusedError(
      ResponseCode.FILTER_DATA_NOT_EXIST,
      "The broker's consumer filter data is not exist!Your expression may be wrong!",
    );
  }
  if (filter.clientVersion < r.subVersion) {
    throw new RequestRefusedError(
      ResponseCode.FILTER_DATA_NOT_LATEST,
      "the consumer's consumer filter data not latest",
    );
  }
  if (!ctx.options.enablePropertyFilter) throw notSupported(type!);
  return filter.selector;
}

/** The properties of a stored record (a PULL body entry); empty when the record cannot be read. */
export function recordProperties(record: Buffer): Record<string, string> {
  if (record.length < 56) return Object.create(null) as Record<string, string>;
  const v2 = record.readInt32BE(RecordOffset.MAGICCODE) === MessageMagic.V2;
  const rel = recordFieldOffsets(record.readInt32BE(RecordOffset.SYSFLAG));
  let p = rel.bodyLength;
  if (p + 4 > record.length) return Object.create(null) as Record<string, string>;
  p += 4 + record.readInt32BE(p);
  if (p < 0 || p + (v2 ? 2 : 1) > record.length) return Object.create(null) as Record<string, string>;
  p += v2 ? 2 + record.readUInt16BE(p) : 1 + record.readUInt8(p);
  if (p + 2 > record.length) return Object.create(null) as Record<string, string>;
  const length = record.readUInt16BE(p);
  if (p + 2 + length > record.length) return Object.create(null) as Record<string, string>;
  return decodeProperties(record.toString('utf8', p + 2, p + 2 + length));
}

/**
 * Store reads from `offset` keeping the messages `selector` matches (Java isMatchedByCommitLog):
 * while a read finds messages but none match, the next read goes on from its nextBeginOffset, up to
 * MAX_FILTER_SCAN entries; the answer is then NO_MATCHED_MESSAGE (PULL_RETRY_IMMEDIATELY) with the
 * offset to go on from, as Java answers a pull whose scanned messages all failed the filter.
 */
export async function readMatching(
  ctx: BrokerContext,
  h: { consumerGroup: string; topic: string; queueId: number; queueOffset: bigint; maxMsgNums: number },
  tagsFilter: TagsCodeFilter | undefined,
  selector: Sql92Selector,
): Promise<GetMessageResult> {
  let offset = h.queueOffset;
  for (;;) {
    const result = await ctx.store.getMessage(
      h.consumerGroup,
      h.topic,
      h.queueId,
      offset,
      h.maxMsgNums,
      tagsFilter,
    );
    if (result.status !== 'FOUND' && result.status !== 'NO_MATCHED_MESSAGE') return result;
    const messages: Buffer[] = [];
    const queueOffsets: bigint[] = [];
    result.messages.forEach((m, i) => {
      if (selector.matches(recordProperties(m))) {
        messages.push(m);
        queueOffsets.push(result.queueOffsets[i]!);
      }
    });
    const scanned = result.nextBeginOffset - h.queueOffset;
    if (
      messages.length > 0 ||
      result.nextBeginOffset >= result.maxOffset ||
      scanned >= MAX_FILTER_SCAN ||
      result.nextBeginOffset <= offset
    ) {
      return {
        ...result,
        status: messages.length > 0 ? 'FOUND' : 'NO_MATCHED_MESSAGE',
        messages,
        queueOffsets,
        bufferTotalSize: messages.reduce((n, m) => n + m.length, 0),
      };
    }
    offset = result.nextBeginOffset;
  }
}
