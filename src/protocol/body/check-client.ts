/**
 * CheckClientRequestBody: body of CHECK_CLIENT_CONFIG (46), sent by a consumer before it subscribes
 * with a non-tag expression (Java MQClientAPIImpl.checkClientInBroker), fastjson, keys alphabetical:
 *   {"clientId":"ip@instance","group":"G","subscriptionData":{<SubscriptionData, see heartbeat.ts>}}
 */
import { parseFastjsonObject } from '../json/fastjson-parse.js';
import { toFastjsonBytes } from '../json/fastjson-write.js';
import { ObjectReader } from '../json/object-reader.js';
import { subscriptionDataFromJson, subscriptionDataToJson } from './heartbeat.js';
import type { SubscriptionData } from './heartbeat.js';

export interface CheckClientRequestBody {
  clientId: string;
  group: string;
  subscriptionData?: SubscriptionData;
}

export function encodeCheckClientRequestBody(b: CheckClientRequestBody): Buffer {
  return toFastjsonBytes(
    {
      clientId: b.clientId,
      group: b.group,
      subscriptionData: b.subscriptionData ? subscriptionDataToJson(b.subscriptionData) : undefined,
    },
    'plain',
  );
}

export function decodeCheckClientRequestBody(body: Uint8Array): CheckClientRequestBody {
  const r = new ObjectReader(parseFastjsonObject(body), 'CheckClientRequestBody');
  const out: CheckClientRequestBody = {
    clientId: r.string('clientId') ?? '',
    group: r.string('group') ?? '',
  };
  const sub = r.object('subscriptionData');
  if (sub) out.subscriptionData = subscriptionDataFromJson(sub);
  return out;
}
