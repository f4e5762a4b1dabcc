/**
 * What a broker request needs, per request code (Java 4.9.8 PlainAccessValidator.parse): a map from
 * resource (a topic, or %RETRY%group for a group) to the permission needed on it.
 *
 *   code                                      needs (Java 4.9.8 unless marked)
 *   SEND_MESSAGE 10 / SEND_MESSAGE_V2 310     PUB on the topic; to a %RETRY% topic: SUB on that topic's
 *                                             group (ours; Java 4.9.8 checks the header's producer group)
 *   SEND_BATCH_MESSAGE 320                    as SEND_MESSAGE_V2 (5.x; 4.9.8 checks only the signature)
 *   SEND_REPLY_MESSAGE 324 / _V2 325          as SEND_MESSAGE / _V2 (5.x: the V2 header's PUB action)
 *   CONSUMER_SEND_MSG_BACK 36                 SUB on the group, then (ours) on the stored message's topic
 *   VIEW_MESSAGE_BY_ID 33                     (ours) SUB on the stored message's topic
 *   PULL_MESSAGE 11, LITE_PULL_MESSAGE 361    SUB on the topic and on the consumer group (361: ours)
 *   QUERY_MESSAGE 12                          SUB on the topic
 *   HEART_BEAT 34                             SUB on every consumer group and every subscribed topic
 *   UNREGISTER_CLIENT 35                      SUB on the consumer group (when given)
 *   GET_CONSUMER_LIST_BY_GROUP 38             SUB on the consumer group
 *   UPDATE_CONSUMER_OFFSET 15                 SUB on the consumer group and the topic
 *   QUERY_CONSUMER_OFFSET 14                  SUB on the consumer group and the topic (5.x)
 *   CONSUME_MESSAGE_DIRECTLY 309              SUB on the consumer group (5.x), and the topic when named;
 *                                             (ours) SUB on the stored message's topic too
 *   CLONE_GROUP_OFFSET 314                    (ours) SUB on both groups, and the topic when named:
 *                                             it writes the destination group's offsets
 *   INVOKE_BROKER_TO_RESET_OFFSET 222         SUB on the group and the topic (ours: 4.9.8 checks only the
 *                                             signature; 5.x asks UPDATE on both, an action ACL 1.0 lacks.
 *                                             SUB is what the tools' fallback, UPDATE_CONSUMER_OFFSET, needs)
 *   LOCK_BATCH_MQ 41 / UNLOCK_BATCH_MQ 42     SUB on the group and every queue's topic (5.x)
 *   END_TRANSACTION 37, RECALL_MESSAGE 370    PUB on the topic when the header names one (5.x);
 *                                             END_TRANSACTION also (ours) on the half message's real topic
 *   UPDATE_AND_CREATE_TOPIC 17, UPDATE_BROKER_CONFIG 25, UPDATE_AND_CREATE_SUBSCRIPTIONGROUP 200,
 *   DELETE_SUBSCRIPTIONGROUP 207, DELETE_TOPIC_IN_BROKER 215   an admin account (Permission.ADMIN_CODE)
 *   any other code                            a valid signature only
 *
 * The 5.x rows come from ACL 2.0's DefaultAuthorizationContextBuilder: 5.3.3 no longer has ACL 1.0,
 * and those requests write messages or move offsets, so they are not left to the signature alone.
 */
import { RequestCode } from '../../protocol/codes/request-code.js';
import type { RemotingCommand } from '../../protocol/command/remoting-command.js';
import { decodeHeartbeatData } from '../../protocol/body/heartbeat.js';
import { decodeLockBatchRequestBody } from '../../protocol/body/lock-batch.js';
import { RETRY_GROUP_TOPIC_PREFIX } from '../../protocol/message/validators.js';
import { Perm } from './acl-config.js';

/** Java Permission.ADMIN_CODE. */
export const ADMIN_CODES: ReadonlySet<number> = new Set([
  RequestCode.UPDATE_AND_CREATE_TOPIC,
  RequestCode.UPDATE_BROKER_CONFIG,
  RequestCode.DELETE_TOPIC_IN_BROKER,
  RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
  RequestCode.DELETE_SUBSCRIPTIONGROUP,
]);

export function isRetryResource(resource: string): boolean {
  return resource.startsWith(RETRY_GROUP_TOPIC_PREFIX);
}

function retry(group: string | undefined): string | undefined {
  return group === undefined ? undefined : RETRY_GROUP_TOPIC_PREFIX + group;
}

type Fields = Readonly<Record<string, string>>;

/** Thrown for a request whose resources cannot be read (Java wraps the cause in an AclException). */
export class UnreadableRequestError extends Error {}

function required(fields: Fields, name: string): string {
  const value = fields[name];
  if (value === undefined) throw new UnreadableRequestError(`the custom field <${name}> is null`);
  return value;
}

function send(needs: Map<string, number>, topic: string | undefined): void {
  if (topic !== undefined && isRetryResource(topic)) {
    // The retry topic's own group: Java 4.9.8 checks the producer group named in the header instead,
    // which let any account write into every other group's retry topic by naming its own group.
    needs.set(topic, Perm.SUB);
  } else if (topic !== undefined) {
    needs.set(topic, Perm.PUB);
  }
}

function add(needs: Map<string, number>, resource: string | undefined, perm: number): void {
  if (resource !== undefined) needs.set(resource, perm);
}

/** The resources a request needs (an empty map: none, only the signature). */
export function requiredPermissions(request: RemotingCommand): Map<string, number> {
  const f: Fields = request.extFields ?? {};
  const needs = new Map<string, number>();
  try {
    switch (request.code) {
      case RequestCode.SEND_MESSAGE:
      case RequestCode.SEND_REPLY_MESSAGE:
        send(needs, f.topic);
        break;
      case RequestCode.SEND_MESSAGE_V2:
      case RequestCode.SEND_BATCH_MESSAGE:
      case RequestCode.SEND_REPLY_MESSAGE_V2:
        send(needs, f.b);
        break;
      case RequestCode.CONSUMER_SEND_MSG_BACK:
        add(needs, retry(f.group), Perm.SUB);
        break;
      case RequestCode.PULL_MESSAGE:
      case RequestCode.LITE_PULL_MESSAGE:
      case RequestCode.UPDATE_CONSUMER_OFFSET:
      case RequestCode.QUERY_CONSUMER_OFFSET:
        add(needs, f.topic, Perm.SUB);
        add(needs, retry(f.consumerGroup), Perm.SUB);
        break;
      case RequestCode.CONSUME_MESSAGE_DIRECTLY:
        // 5.x: SUB on the group whose consumer is made to consume (and, late, on the message's topic).
        add(needs, retry(f.consumerGroup), Perm.SUB);
        if (f.topic !== undefined && f.topic.trim() !== '') add(needs, f.topic, Perm.SUB);
        break;
      case RequestCode.CLONE_GROUP_OFFSET:
        add(needs, retry(f.srcGroup), Perm.SUB);
        add(needs, retry(f.destGroup), Perm.SUB);
        if (f.topic !== undefined && f.topic.trim() !== '') add(needs, f.topic, Perm.SUB);
        break;
      case RequestCode.INVOKE_BROKER_TO_RESET_OFFSET:
        add(needs, f.topic, Perm.SUB);
        add(needs, retry(f.group), Perm.SUB);
        break;
      case RequestCode.QUERY_MESSAGE:
        add(needs, f.topic, Perm.SUB);
        break;
      case RequestCode.HEART_BEAT: {
        const heartbeat = decodeHeartbeatData(request.body ?? Buffer.from('{}'));
        for (const consumer of heartbeat.consumerDataSet) {
          needs.set(retry(consumer.groupName)!, Perm.SUB);
          for (const sub of consumer.subscriptionDataSet) add(needs, sub.topic, Perm.SUB);
        }
        break;
      }
      case RequestCode.UNREGISTER_CLIENT:
        add(needs, retry(f.consumerGroup), Perm.SUB);
        break;
      case RequestCode.GET_CONSUMER_LIST_BY_GROUP:
        needs.set(retry(required(f, 'consumerGroup'))!, Perm.SUB);
        break;
      case RequestCode.LOCK_BATCH_MQ:
      case RequestCode.UNLOCK_BATCH_MQ: {
        const body = decodeLockBatchRequestBody(request.body ?? Buffer.from('{}'));
        needs.set(retry(body.consumerGroup)!, Perm.SUB);
        for (const mq of body.mqSet) add(needs, mq.topic, Perm.SUB);
        break;
      }
      case RequestCode.END_TRANSACTION:
      case RequestCode.RECALL_MESSAGE:
        if (f.topic !== undefined && f.topic.trim() !== '') needs.set(f.topic, Perm.PUB);
        break;
      default:
        break;
    }
  } catch (err) {
    if (err instanceof UnreadableRequestError) throw err;
    throw new UnreadableRequestError((err as Error).message);
  }
  return needs;
}
