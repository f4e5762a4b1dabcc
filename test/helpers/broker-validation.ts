/**
 * A broker on a temp store (no name server) for the request-validation tests (issue 10 defect 3):
 * the bad names and numbers every entry point is tried with, raw requests, and what the broker holds
 * in memory and on disk, so a test can assert that a refused request left nothing behind.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseFastjsonObject } from '../../src/protocol/json/fastjson-parse.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { Broker } from '../../src/server/broker/index.js';
import type { BrokerOptions } from '../../src/server/broker/index.js';
import type { RemotingClient } from '../../src/transport/index.js';
import { TIMEOUT, newClient } from './broker-client.js';

/** [label, name]: each must be refused wherever a topic or group name is taken. */
export const BAD_NAMES: readonly (readonly [string, string])[] = [
  ['a space', 'a b'],
  ['a slash', 'a/b'],
  ['a NUL', 'x\u0000y'],
  ['10,001 characters', 'z'.repeat(10_001)],
  ['empty', ''],
];

/** What the broker keeps: topic table, groups, registered clients; sorted. */
export interface HeldNames {
  topics: string[];
  groups: string[];
  consumers: string[];
  producers: string[];
}

/** What is on disk once the broker stopped (config files written at close). */
export interface SavedNames {
  topics: string[];
  /** consumerOffset.json keys, "<topic>@<group>". */
  offsets: string[];
  /** Directories under consumequeue/. */
  queueDirs: string[];
}

export class ValidationBroker {
  private constructor(
    readonly broker: Broker,
    readonly client: RemotingClient,
    readonly dir: string,
  ) {}

  static async start(options: BrokerOptions = {}): Promise<ValidationBroker> {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-validate-'));
    const broker = new Broker({ storePath: dir, port: 0, namesrvAddrs: [], ...options });
    await broker.start();
    return new ValidationBroker(broker, newClient(), dir);
  }

  call(code: number, extFields: Record<string, string> = {}, body?: Buffer): Promise<RemotingCommand> {
    const request = createRequest(code, { extFields, ...(body !== undefined && { body }) });
    return this.client.invokeSync(this.broker.address, request, TIMEOUT);
  }

  async held(): Promise<HeldNames> {
    const all = await this.call(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG);
    const groups = parseFastjsonObject(all.body!).get('subscriptionGroupTable') as Map<string, unknown>;
    const sorted = (names: Iterable<string>): string[] => [...names].sort();
    return {
      topics: sorted(this.broker.topics.table.keys()),
      groups: sorted(groups.keys()),
      consumers: sorted(this.broker.clients.consumers.keys()),
      producers: sorted(this.broker.clients.producers.keys()),
    };
  }

  /** Stops the broker (config files are written at close) and reads what it saved. */
  async stop(): Promise<SavedNames> {
    await this.client.shutdown();
    await this.broker.shutdown();
    const read = (name: string): Record<string, unknown> => {
      const file = path.join(this.dir, 'config', name);
      if (!fs.existsSync(file)) return {};
      // fastjson-style unquoted integer keys do not occur in these files (we write them).
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    };
    const topics = (read('topics.json').topicConfigTable ?? {}) as Record<string, unknown>;
    const offsets = (read('consumerOffset.json').offsetTable ?? {}) as Record<string, unknown>;
    const cq = path.join(this.dir, 'consumequeue');
    const saved = {
      topics: Object.keys(topics).sort(),
      offsets: Object.keys(offsets).sort(),
      queueDirs: fs.existsSync(cq) ? fs.readdirSync(cq).sort() : [],
    };
    await fs.promises.rm(this.dir, { recursive: true, force: true });
    return saved;
  }
}

/** Asserts the answer's code and (when given) its remark. */
export function assertRefused(r: RemotingCommand, code: number, remark?: string | RegExp, what = ''): void {
  assert.equal(r.code, code, `${what}: code ${r.code} (${r.remark ?? ''})`);
  if (typeof remark === 'string') assert.equal(r.remark, remark, what);
  else if (remark !== undefined) assert.match(r.remark ?? '', remark, what);
}

/** True when `names` holds none of the bad names, not even inside a longer name (%RETRY%a b). */
export function holdsNoBadName(names: readonly string[]): boolean {
  return names.every((n) => BAD_NAMES.every(([, bad]) => bad === '' || !n.includes(bad)) && n !== '');
}
