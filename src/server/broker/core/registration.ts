/**
 * Registration with the name servers (Java BrokerOuterAPI.registerBrokerAll / unregisterBrokerAll):
 * REGISTER_BROKER (103) to every configured name server in parallel, body = the whole topic table
 * (RegisterBrokerBody JSON, uncompressed, bodyCrc32 = CRC32 & 0x7fffffff); UNREGISTER_BROKER (104) on
 * shutdown. A name server that cannot be reached is logged and tried again at the next round.
 */
import type { Logger } from '../../../common/logger.js';
import { Perm } from '../../../protocol/codes/misc.js';
import { RequestCode } from '../../../protocol/codes/request-code.js';
import { ResponseCode, responseCodeName } from '../../../protocol/codes/response-code.js';
import { createRequest } from '../../../protocol/command/remoting-command.js';
import { decodeKVTable } from '../../../protocol/body/kv-table.js';
import { RegisterBodyEncoder } from '../../../protocol/body/register-body-cache.js';
import {
  RegisterBrokerRequestHeader,
  UnRegisterBrokerRequestHeader,
} from '../../../protocol/headers/namesrv.js';
import { storedBodyCrc } from '../../../protocol/message/crc32.js';
import type { RemotingClient } from '../../../transport/index.js';
import type { TopicConfigManager } from './topic-config-manager.js';

export interface RegistrationIdentity {
  brokerName: string;
  clusterName: string;
  brokerId: number;
  brokerAddr: string;
  /** "ip:haPort" (listen port + 1, as Java). */
  haServerAddr: string;
  brokerPermission: number;
}

export interface RegistrationOutcome {
  namesrv: string;
  ok: boolean;
  error?: string;
}

export class BrokerRegistrar {
  /** Keeps each topic's JSON between rounds: a round over 50,000 topics costs a join, not ~1 s. */
  private readonly bodyEncoder = new RegisterBodyEncoder();

  constructor(
    private readonly client: RemotingClient,
    private readonly namesrvAddrs: readonly string[],
    private readonly identity: () => RegistrationIdentity,
    private readonly topics: TopicConfigManager,
    private readonly timeoutMillis: number,
    private readonly logger: Logger,
  ) {}

  /** Registers with every name server; never throws (failures are logged and reported). */
  async registerAll(): Promise<RegistrationOutcome[]> {
    // A standalone broker: no body to build (its cost grows with the topics, once per change).
    if (this.namesrvAddrs.length === 0) return [];
    const id = this.identity();
    const snapshot = this.topics.snapshot();
    if ((id.brokerPermission & (Perm.READ | Perm.WRITE)) !== (Perm.READ | Perm.WRITE)) {
      // Java: a broker that is not read+write advertises its own perm on every topic.
      for (const [name, config] of snapshot.topicConfigTable) {
        snapshot.topicConfigTable.set(name, { ...config, perm: id.brokerPermission });
      }
    }
    const body = this.bodyEncoder.encode({ filterServerList: [], topicConfigSerializeWrapper: snapshot });
    const extFields = RegisterBrokerRequestHeader.encode({
      brokerName: id.brokerName,
      brokerAddr: id.brokerAddr,
      clusterName: id.clusterName,
      haServerAddr: id.haServerAddr,
      brokerId: id.brokerId,
      compressed: false,
      bodyCrc32: storedBodyCrc(body),
    });
    return Promise.all(
      this.namesrvAddrs.map(async (namesrv): Promise<RegistrationOutcome> => {
        try {
          const request = createRequest(RequestCode.REGISTER_BROKER, { extFields: { ...extFields }, body });
          const response = await this.client.invokeSync(namesrv, request, this.timeoutMillis);
          if (response.code !== ResponseCode.SUCCESS) {
            const error = `${responseCodeName(response.code)} ${response.remark ?? ''}`.trim();
            this.logger.warn({ namesrv, error }, 'register broker refused');
            return { namesrv, ok: false, error };
          }
          this.logger.debug(
            { namesrv, topics: snapshot.topicConfigTable.size },
            'registered with name server',
          );
          this.applyOrderConfig(namesrv, response.body);
          return { namesrv, ok: true };
        } catch (err) {
          const error = (err as Error).message;
          this.logger.warn({ namesrv, error }, 'register broker failed, will retry at the next period');
          return { namesrv, ok: false, error };
        }
      }),
    );
  }

  /**
   * The answer's body is the name server's ORDER_TOPIC_CONFIG KVTable (topic -> "broker:queues;..."):
   * its topics are ordered (Java handleRegisterBrokerResult -> updateOrderTopicConfig). A body that
   * cannot be read is logged and ignored.
   */
  private applyOrderConfig(namesrv: string, body: Buffer | undefined): void {
    if (body === undefined || body.length === 0) return;
    try {
      const marked = this.topics.markOrderTopics(decodeKVTable(body).table.keys());
      if (marked.length > 0) this.logger.info({ namesrv, topics: marked }, 'topics marked ordered');
    } catch (err) {
      this.logger.warn({ namesrv, error: (err as Error).message }, 'unreadable order topic config');
    }
  }

  /** UNREGISTER_BROKER to every name server (3 s each, as Java); failures are only logged. */
  async unregisterAll(): Promise<void> {
    const id = this.identity();
    const extFields = UnRegisterBrokerRequestHeader.encode({
      brokerName: id.brokerName,
      brokerAddr: id.brokerAddr,
      clusterName: id.clusterName,
      brokerId: id.brokerId,
    });
    await Promise.all(
      this.namesrvAddrs.map(async (namesrv) => {
        try {
          const request = createRequest(RequestCode.UNREGISTER_BROKER, { extFields: { ...extFields } });
          await this.client.invokeSync(namesrv, request, 3000);
        } catch (err) {
          this.logger.warn({ namesrv, error: (err as Error).message }, 'unregister broker failed');
        }
      }),
    );
  }
}
