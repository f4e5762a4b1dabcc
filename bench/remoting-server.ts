/**
 * Child process of bench/remoting.bench.ts: a RocketMQ remoting echo server and, for the ceiling, two bare
 * length-prefixed echo servers over plain `net`. Prints one JSON line with both ports, then serves until
 * its stdin closes (the parent exited).
 */
import net from 'node:net';
import { ResponseCode } from '../src/protocol/codes/response-code.js';
import { createResponse } from '../src/protocol/command/remoting-command.js';
import { RemotingServer } from '../src/transport/index.js';
import { LengthPrefixedFrames } from './length-prefixed-frames.js';

export const ECHO_CODE = 4000;

const server = new RemotingServer({ host: '127.0.0.1', port: 0 });
server.registerProcessor(ECHO_CODE, {
  processRequest: (_context, request) => createResponse(ResponseCode.SUCCESS, { body: request.body }),
});
const { port } = await server.start();

// Bare echo: [int32 length][payload] frames, split one by one (as views, never joined) and written back
// one by one. Two listeners: `corked` corks per chunk so a chunk's answers leave in one writev (the
// batching the transport does); `plain` leaves coalescing to Node (writes queued behind a busy socket),
// except that a frame which arrived in several reads leaves in one writev of its pieces.
function echoServer(corked: boolean): net.Server {
  return net.createServer({ noDelay: true }, (socket) => {
    const frames = new LengthPrefixedFrames();
    const writeFrame = (pieces: Buffer[]): void => {
      if (pieces.length === 1) {
        socket.write(pieces[0]!);
        return;
      }
      if (!corked) socket.cork();
      for (const piece of pieces) socket.write(piece);
      if (!corked) socket.uncork();
    };
    socket.on('data', (chunk: Buffer) => {
      if (corked) socket.cork();
      frames.push(chunk, writeFrame);
      if (corked) socket.uncork();
    });
    socket.on('error', () => socket.destroy());
  });
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}
const plain = echoServer(false);
const corked = echoServer(true);
const ports = { rocketmq: port, echoPlain: await listen(plain), echoCorked: await listen(corked) };
process.stdout.write(`${JSON.stringify(ports)}\n`);
process.stdin.resume();
process.stdin.on('close', () => {
  plain.close();
  corked.close();
  void server.shutdown({ graceMillis: 100 }).then(() => process.exit(0));
});
