/** Shared fixture of the consumer integration tests: cluster, topic creation, bounded waits. */
import { MQClientAPI } from '../../src/client/mq-client-api.js';
import { RemotingClient } from '../../src/transport/remoting-client.js';
import { createTopicOnBroker } from '../../src/cli/commands/topic.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { waitFor } from '../helpers/wait.js';

export { waitFor };

/** Creates `topic` on every broker of the cluster and waits until the name server routes it to all of them. */
export async function createTopic(
  cluster: EmbeddedCluster,
  topic: string,
  queues = 4,
  perm = 6,
): Promise<void> {
  const remoting = new RemotingClient();
  const api = new MQClientAPI(remoting, { nameServerAddresses: [cluster.namesrvAddress] });
  try {
    const session = { api, remoting, timeoutMillis: 3000 };
    for (const b of cluster.brokers) {
      await createTopicOnBroker(session, b.address, {
        topic,
        readQueueNums: queues,
        writeQueueNums: queues,
        perm,
      });
    }
    await waitFor(`route of ${topic}`, async () => {
      const route = await api.getTopicRouteInfoFromNameServer(topic, 3000);
      return route.queueDatas.length === cluster.brokers.length ? route : undefined;
    });
  } finally {
    await remoting.shutdown();
  }
}
