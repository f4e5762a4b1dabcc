/**
 * GetConsumerListByGroupResponseBody `{"consumerIdList":["clientId",...]}`: the answer to
 * GET_CONSUMER_LIST_BY_GROUP (38). fastjson defaults.
 */
import { parseFastjsonObject } from '../json/fastjson-parse.js';
import type { FastjsonParseOptions } from '../json/fastjson-parse.js';
import { toFastjsonBytes } from '../json/fastjson-write.js';
import { ObjectReader } from '../json/object-reader.js';

export interface ConsumerListBody {
  consumerIdList: string[];
}

export function encodeConsumerListBody(body: ConsumerListBody): Buffer {
  return toFastjsonBytes({ consumerIdList: body.consumerIdList }, 'plain');
}

export function decodeConsumerListBody(
  body: Uint8Array,
  options: FastjsonParseOptions = {},
): ConsumerListBody {
  const r = new ObjectReader(parseFastjsonObject(body, options), 'ConsumerListBody');
  return { consumerIdList: r.stringArray('consumerIdList') ?? [] };
}
