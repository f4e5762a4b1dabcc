/**
 * A producer inside an HTTP service, stopped gracefully: on SIGTERM the server stops taking requests,
 * the requests under way finish their sends, and producer.shutdown() waits for every send in flight
 * (bounded), so no accepted order is lost and none is reported failed after the broker stored it.
 * Run: `npx rmq dev`, then `npx tsx examples/http-graceful-shutdown.ts` and
 * `curl -X POST localhost:8080/orders -d '{"id":1}'`; Ctrl-C (or kill) to stop.
 */
import http from 'node:http';
import { Producer, ProducerShutdownError } from 'rocketmq-ts';
import { nameServer } from './env.js';

const port = Number(process.env.PORT ?? 8080);
const producer = new Producer({ producerGroup: 'example-http', nameServer });
await producer.start();

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/orders') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    producer
      .send({ topic: 'ExampleHttpOrders', body: Buffer.concat(chunks) })
      .then((r) =>
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ msgId: r.msgId })),
      )
      .catch((err: unknown) => {
        // Shutting down: tell the client to retry elsewhere rather than losing the order.
        const status = err instanceof ProducerShutdownError ? 503 : 500;
        res.writeHead(status).end(String(err));
      });
  });
});
server.listen(port, () =>
  console.log(`listening on :${server.address() && (server.address() as { port: number }).port}`),
);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: closing`);
  // No new connections; requests under way go on and reach the producer.
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeIdleConnections();
  await closed;
  await producer.shutdown({ timeoutMillis: 5000 }); // every send in flight settles with its real outcome
  console.log('stopped cleanly');
}
process.once('SIGTERM', () => void stop('SIGTERM'));
process.once('SIGINT', () => void stop('SIGINT'));
