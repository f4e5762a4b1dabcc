/** Shared fixtures of the transport integration tests (not a test file itself). */
import net from 'node:net';
import type { Logger } from '../../src/common/logger.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { createResponse } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { decodeFramePayload, FrameDecoder } from '../../src/protocol/frame/index.js';
import { RemotingServer } from '../../src/transport/index.js';
import type { RemotingServerConfig } from '../../src/transport/index.js';

export const ECHO = 100;

/** A promise with its resolve exposed, for gating processors. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Answers ECHO with the request's body and its opaque in extFields. */
export async function startEchoServer(config: RemotingServerConfig = {}): Promise<RemotingServer> {
  const server = new RemotingServer({ host: '127.0.0.1', port: 0, ...config });
  server.registerProcessor(ECHO, {
    processRequest: (_context, request) =>
      createResponse(ResponseCode.SUCCESS, {
        body: request.body,
        extFields: { echoOpaque: String(request.opaque), echoFlag: String(request.flag) },
      }),
  });
  await server.start();
  return server;
}

export interface LogLine {
  level: string;
  msg: string;
  detail: unknown;
}

export function captureLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (detail: unknown, msg?: string): void => {
      lines.push({ level, msg: msg ?? String(detail), detail });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A plain socket speaking raw frames, for wire-level checks and misbehaving peers. */
export class RawPeer {
  readonly received: RemotingCommand[] = [];
  readonly closed: Promise<void>;
  private readonly decoder = new FrameDecoder();
  private waiters: { count: number; resolve: () => void }[] = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const payload of this.decoder.push(chunk)) this.received.push(decodeFramePayload(payload));
      this.waiters = this.waiters.filter((w) => {
        if (this.received.length < w.count) return true;
        w.resolve();
        return false;
      });
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /** connect(), with the peer's destroy() added to `cleanups` (a test file's after-each list). */
  static async connectTracked(port: number, cleanups: (() => unknown)[]): Promise<RawPeer> {
    const p = await RawPeer.connect(port);
    cleanups.push(() => p.destroy());
    return p;
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  static wrap(socket: net.Socket): RawPeer {
    return new RawPeer(socket);
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolves once `count` frames in total have arrived; rejects after `timeoutMillis` (no test hangs). */
  waitFor(count: number, timeoutMillis = 15_000): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    const d = deferred();
    const timer = setTimeout(
      () => d.reject(new Error(`${this.received.length} of ${count} frames within ${timeoutMillis} ms`)),
      timeoutMillis,
    );
    this.waiters.push({
      count,
      resolve: () => {
        clearTimeout(timer);
        d.resolve();
      },
    });
    return d.promise;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A port that was free a moment ago and has nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A plain TCP server on 127.0.0.1:0 handing each accepted socket to `onSocket`. */
export async function rawServer(
  onSocket: (socket: net.Socket) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
