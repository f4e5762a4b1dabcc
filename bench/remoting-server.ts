/**
 * Child process of bench/remoting.bench.ts: a RocketMQ remoting echo server and, for the ceiling, a bare
 * length-prefixed echo server over plain `net`. Prints one JSON line with both ports, then serves until
 * its stdin closes (the parent exited).
 */
import net from 'node:net';
import { ResponseCode } from '../src/protocol/codes/response-code.js';
import { createResponse } from '../src/protocol/command/remoting-command.js';
import { RemotingServer } from '../src/transport/index.js';

export const ECHO_CODE = 4000;

const server = new RemotingServer({ host: '127.0.0.1', port: 0 });
server.registerProcessor(ECHO_CODE, {
  processRequest: (_context, request) => createResponse(ResponseCode.SUCCESS, { body: request.body }),
});
const { port } = await server.start();

// Bare echo: [int32 length][payload] frames, split one by one and written back one by one, as a plain
// application without any RocketMQ header would (Node coalesces writes queued behind a busy socket).
const echo = net.createServer({ noDelay: true }, (socket) => {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    const data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let offset = 0;
    while (data.length - offset >= 4) {
      const size = 4 + data.readInt32BE(offset);
      if (data.length - offset < size) break;
      socket.write(data.subarray(offset, offset + size));
      offset += size;
    }
    pending = data.subarray(offset);
  });
  socket.on('error', () => socket.destroy());
});
await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
const echoPort = (echo.address() as net.AddressInfo).port;

process.stdout.write(`${JSON.stringify({ rocketmq: port, echo: echoPort })}\n`);
process.stdin.resume();
process.stdin.on('close', () => {
  echo.close();
  void server.shutdown({ graceMillis: 100 }).then(() => process.exit(0));
});
