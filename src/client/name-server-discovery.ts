/**
 * Polls the name-server list (an HTTP endpoint or a user function) and hands good answers to the
 * MQClientAPI, which switches without dropping work (see MQClientAPI.switchNameServers). A bad
 * answer — an error, a timeout, a status other than 200, an empty or malformed list — keeps the
 * current list and is logged, as Java's fetchNameServerAddr does.
 *
 * Schedule (Java MQClientInstance): with no list yet, one poll at start that the first name-server
 * call waits for; then a poll `initialDelayMillis` (10 s) after start and every `intervalMillis`
 * (2 min) after the previous one finished.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Logger } from '../common/logger.js';
import type { BackgroundTasks } from './background-tasks.js';
import { parseNameServerList } from './client-config.js';
import type { ClientConfig } from './client-config.js';
import type { MQClientAPI } from './mq-client-api.js';
import type { NameServerDiscoveryConfig } from './name-server-discovery-options.js';

/** Larger answers are refused: a name-server list is a few dozen bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** DefaultTopAddressing.clearNewLine: trimmed, cut at the first CR, else at the first LF. */
export function clearNewLine(text: string): string {
  const trimmed = text.trim();
  const cr = trimmed.indexOf('\r');
  if (cr !== -1) return trimmed.slice(0, cr);
  const lf = trimmed.indexOf('\n');
  return lf === -1 ? trimmed : trimmed.slice(0, lf);
}

/** GET `url`; resolves with the body of a 200 answer (clearNewLine applied), rejects otherwise. */
export function fetchNameServerAddressText(url: string, timeoutMillis: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const request = get(url, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`HTTP status ${String(response.statusCode)} from ${url}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) request.destroy(new Error(`answer over ${MAX_ANSWER_BYTES} bytes`));
        else chunks.push(chunk);
      });
      response.on('end', () => resolve(clearNewLine(Buffer.concat(chunks).toString('utf8'))));
      response.on('error', reject);
    });
    const timer = setTimeout(
      () => request.destroy(new Error(`no answer from ${url} within ${timeoutMillis} ms`)),
      timeoutMillis,
    );
    request.on('error', reject);
    request.on('close', () => clearTimeout(timer));
  });
}

function withDeadline<T>(work: Promise<T>, millis: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${millis} ms`)), millis);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export class NameServerDiscovery {
  constructor(
    private readonly config: NameServerDiscoveryConfig,
    private readonly api: MQClientAPI,
    private readonly logger: Logger,
  ) {}

  /** One poll. Resolves true when the list changed; never rejects (failures are logged). */
  async refresh(): Promise<boolean> {
    const source = this.config.url ?? 'the nameServerDiscovery.fetch function';
    try {
      const addresses = await this.#fetch();
      if (addresses.length === 0) throw new Error('the answer lists no address');
      return this.api.switchNameServers(addresses);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.logger.warn({ source, err: reason }, 'name server discovery failed, keeping the current list');
      return false;
    }
  }

  async #fetch(): Promise<string[]> {
    const { url, fetch, timeoutMillis } = this.config;
    if (url !== undefined) return parseNameServerList(await fetchNameServerAddressText(url, timeoutMillis));
    const work = Promise.resolve().then(() => (fetch as NonNullable<typeof fetch>)());
    const answer: unknown = await withDeadline(work, timeoutMillis, 'the nameServerDiscovery.fetch function');
    if (
      typeof answer !== 'string' &&
      !(Array.isArray(answer) && answer.every((a) => typeof a === 'string'))
    ) {
      throw new Error(
        'the nameServerDiscovery.fetch function returned neither a string nor a list of strings',
      );
    }
    return parseNameServerList(answer as string | string[]);
  }

  start(tasks: BackgroundTasks): void {
    if (this.api.nameServerAddressList.length === 0) this.api.awaitFirstAddresses(this.refresh());
    tasks.every(
      'name server discovery',
      this.config.initialDelayMillis,
      this.config.intervalMillis,
      async () => {
        await this.refresh();
      },
    );
  }
}

/** Starts discovery for a client instance when its config asks for it. */
export function startNameServerDiscovery(
  config: ClientConfig,
  api: MQClientAPI,
  tasks: BackgroundTasks,
): void {
  if (config.nameServerDiscovery === undefined) return;
  new NameServerDiscovery(config.nameServerDiscovery, api, config.logger).start(tasks);
}
