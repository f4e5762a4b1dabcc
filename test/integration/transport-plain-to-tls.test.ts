/**
 * A plain client talking to a TLS-only server: the close error says the server may require TLS, whether
 * the server closes without a byte (ours in enforcing mode) or sends a TLS alert first (what many TLS
 * stacks do with a non-TLS record). Bytes that are no TLS record before a close add no such hint.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { RemotingClient, RemotingServer } from '../../src/transport/index.js';
import { createDevelopmentCertificates } from '../../src/transport/tls/x509.js';

const HINT = /before any answer: the server may require TLS \(--tls/;

/** A raw server that answers the first bytes it reads with `reply`, then closes. */
async function rawServer(reply: Buffer): Promise<{ addr: string; close: () => Promise<void> }> {
  const server = net.createServer((socket) => {
    socket.once('data', () => socket.end(reply));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { addr: `127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('plain client, TLS-only server', () => {
  const client = new RemotingClient();
  const ask = (addr: string): Promise<unknown> =>
    client.invokeSync(addr, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO), 3000).then(
      () => assert.fail('answered'),
      (err: unknown) => err,
    );
  after(async () => {
    await client.shutdown();
  });

  it('a server enforcing TLS closes without a byte: the error says it may require TLS', async () => {
    const certs = createDevelopmentCertificates();
    const server = new RemotingServer({
      host: '127.0.0.1',
      tls: { mode: 'enforcing', cert: certs.server.cert, key: certs.server.key },
    });
    await server.start();
    try {
      const err = await ask(`127.0.0.1:${server.port}`);
      assert.match((err as Error).message, HINT);
    } finally {
      await server.shutdown();
    }
  });

  it('a TLS alert record instead of a frame: the error says it may require TLS', async () => {
    const alert = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]); // fatal handshake_failure
    const server = await rawServer(alert);
    try {
      const err = await ask(server.addr);
      assert.match(
        (err as Error).message,
        /answered with a TLS record, not a RocketMQ frame: the server may require TLS/,
      );
    } finally {
      await server.close();
    }
  });

  it('other bytes before a close: no TLS hint', async () => {
    const server = await rawServer(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
    try {
      const err = await ask(server.addr);
      assert.doesNotMatch((err as Error).message, /TLS/);
    } finally {
      await server.close();
    }
  });
});
