/**
 * A transactional message: the message becomes visible only if the local transaction commits; if the
 * outcome is unknown, the broker asks back later and checkLocalTransaction answers.
 * Run: `npx rmq dev`, then `npx tsx examples/transaction.ts`.
 */
import { LocalTransactionState, Message, TransactionProducer } from 'rocketmq-ts';
import { nameServer } from './env.js';

/** Stands in for your database: the orders committed locally, by transaction id. */
const committedOrders = new Set<string>();

const producer = new TransactionProducer({
  producerGroup: 'example-tx',
  nameServer,
  transactionListener: {
    async executeLocalTransaction(msg, order) {
      if ((order as { amount: number }).amount <= 0) return LocalTransactionState.ROLLBACK_MESSAGE;
      committedOrders.add(msg.transactionId ?? '');
      return LocalTransactionState.COMMIT_MESSAGE;
    },
    // Asked by the broker when the outcome was unknown (a crash, a timeout, UNKNOW).
    async checkLocalTransaction(msg) {
      return committedOrders.has(msg.transactionId ?? '')
        ? LocalTransactionState.COMMIT_MESSAGE
        : LocalTransactionState.ROLLBACK_MESSAGE;
    },
  },
});
await producer.start();
try {
  for (const order of [
    { id: 1, amount: 30 },
    { id: 2, amount: 0 },
  ]) {
    const r = await producer.sendMessageInTransaction(
      new Message('ExampleTxOrders', JSON.stringify(order)),
      order,
    );
    console.log(`order ${order.id}: ${r.localTransactionState} (transaction ${r.transactionId})`);
  }
} finally {
  await producer.shutdown();
}
