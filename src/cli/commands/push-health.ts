/**
 * What `rmq consume --push` and `rmq bench --consume` need to say why a push consumer got nothing.
 * A PushConsumer starts against an unreachable name server, a broker that refuses its heartbeat or
 * pulls refused by ACL (as Java's does: it logs and retries), so on its own it would consume nothing
 * and exit 0. The CLI asks the name server for the route before it starts (an unreachable name server
 * fails in one line), and records the failures the consumer emits while it runs: when it ends having
 * received nothing, held no queue of the topic or saw its pulls fail, those failures are the answer.
 * An empty topic the consumer held and pulled is not an error.
 */
import type { AclCredentials } from '../../client/acl-rpc-hook.js';
import type { PushConsumer } from '../../client/consumer/push/push-consumer.js';
import { RocketMQError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { silentLogger } from '../../common/logger.js';
import { PushConsumerEvents } from '../../client/consumer/push/push-consumer-events.js';
import { ResponseCode } from '../../protocol/codes/index.js';
import type { ClientTlsConfig } from '../../transport/tls/client-tls.js';
import { CliError } from '../cli-error.js';
import { oneLine } from '../message-flags.js';
import { withAdmin } from './cluster.js';

/**
 * Asks the name server for the topic's route before the consumer starts: an unreachable name server
 * fails here in one line (a push consumer would wait silently). A topic that does not exist yet is
 * the usual case of a consumer started before its producer (the first send creates the topic).
 */
export async function topicExists(
  nameServer: string[],
  topic: string,
  tls: ClientTlsConfig | undefined,
  credentials: AclCredentials | undefined,
): Promise<boolean> {
  try {
    await withAdmin(
      nameServer,
      undefined,
      (s) => s.api.getTopicRouteInfoFromNameServer(topic, s.timeoutMillis),
      tls,
      credentials,
    );
    return true;
  } catch (err) {
    if (err instanceof RocketMQError && err.code === ResponseCode.TOPIC_NOT_EXIST) return false;
    throw new CliError(`cannot read the route of ${topic} from ${nameServer.join(';')}: ${oneLine(err)}`, 1);
  }
}

/**
 * A push consumer started before its topic existed knows no broker to send its heartbeat to, so once
 * the topic appears its next rebalance finds no member of the group until the next heartbeat (30 s),
 * as Java's. This checks the route every second until the topic exists, then subscribes again, which
 * refreshes the route, sends the heartbeat and rebalances at once.
 */
export async function subscribeOnceCreated(
  exists: () => Promise<boolean>,
  subscribe: () => Promise<void>,
  stopped: Promise<void>,
): Promise<boolean> {
  let done = false;
  void stopped.then(() => (done = true));
  while (!done) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
    if (done) return false;
    if (await exists().catch(() => false)) {
      if (done) return false;
      await subscribe();
      return true;
    }
  }
  return false;
}

/**
 * The consumer's failures while it runs: the heartbeat (a broker that refuses or cannot take it
 * assigns nothing, and the rebalance fails after it) and failed pulls. A rebalance that failed once
 * is not one of them: the first one may run before the broker has the heartbeat.
 */
export class PushHealth {
  private heartbeatFailure: string | undefined;
  private pullFailure: string | undefined;
  private recording = true;

  /** The logger to give the consumer: silent (what went wrong comes from its events). */
  readonly logger: Logger = silentLogger;

  /** Listens to the consumer's refused heartbeats and failed pulls (their typed errors). */
  watch(consumer: PushConsumer): void {
    consumer.on(PushConsumerEvents.PULL_FAILURE, (e) => {
      if (this.recording) this.pullFailure = `pulling ${e.queue.topic} failed: ${oneLine(e.error)}`;
    });
    consumer.on(PushConsumerEvents.HEARTBEAT_FAILURE, (e) => {
      if (this.recording) this.heartbeatFailure = `heartbeat failed: ${oneLine(e.error)}`;
    });
  }

  /** Stops recording (what a consumer logs while it shuts down is not the run's verdict). */
  stop(): void {
    this.recording = false;
  }

  /**
   * Why a run that received `delivered` messages and holds `heldQueues` queues of its topic got
   * nothing, or undefined when it got something or nothing went wrong (an empty topic it held).
   */
  verdict(delivered: number, heldQueues: number): string | undefined {
    if (delivered > 0) return undefined;
    return (heldQueues === 0 ? this.heartbeatFailure : undefined) ?? this.pullFailure;
  }

  /** True once a broker refused (or could not take) the heartbeat and no queue is held. */
  refused(delivered: number, heldQueues: number): boolean {
    return delivered === 0 && heldQueues === 0 && this.heartbeatFailure !== undefined;
  }
}
