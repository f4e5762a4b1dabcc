/**
 * Per-topic consumption figures for GET_CONSUMER_RUNNING_INFO (Java ConsumerStatsManager, reduced to
 * what this client measures), kept in one-second buckets: pull and consume round trips and rates over
 * the last minute, failed messages over the last hour.
 */

interface Bucket {
  sec: number;
  pullRT: number;
  pulls: number;
  pulled: number;
  consumeRT: number;
  consumes: number;
  ok: number;
  failed: number;
}

const MINUTE_SECS = 60;
const HOUR_SECS = 3600;

/** Java ConsumeStatus. */
export interface ConsumeStatus {
  pullRT: number;
  pullTPS: number;
  consumeRT: number;
  consumeOKTPS: number;
  consumeFailedTPS: number;
  consumeFailedMsgs: number;
}

export class ConsumeStats {
  private readonly topics = new Map<string, Bucket[]>();

  private bucket(topic: string, now: number): Bucket {
    const sec = Math.floor(now / 1000);
    let buckets = this.topics.get(topic);
    if (buckets === undefined) this.topics.set(topic, (buckets = []));
    const last = buckets[buckets.length - 1];
    if (last !== undefined && last.sec === sec) return last;
    const fresh: Bucket = {
      sec,
      pullRT: 0,
      pulls: 0,
      pulled: 0,
      consumeRT: 0,
      consumes: 0,
      ok: 0,
      failed: 0,
    };
    buckets.push(fresh);
    while ((buckets[0]?.sec ?? sec) <= sec - HOUR_SECS) buckets.shift();
    return fresh;
  }

  pulled(topic: string, rt: number, count: number, now = Date.now()): void {
    const b = this.bucket(topic, now);
    b.pullRT += rt;
    b.pulls++;
    b.pulled += count;
  }

  consumed(topic: string, rt: number, ok: number, failed: number, now = Date.now()): void {
    const b = this.bucket(topic, now);
    b.consumeRT += rt;
    b.consumes++;
    b.ok += ok;
    b.failed += failed;
  }

  status(topic: string, now = Date.now()): ConsumeStatus {
    const sec = Math.floor(now / 1000);
    const all = this.topics.get(topic) ?? [];
    const minute = all.filter((b) => b.sec > sec - MINUTE_SECS);
    const sum = (bs: Bucket[], f: (b: Bucket) => number): number => bs.reduce((a, b) => a + f(b), 0);
    const pulls = sum(minute, (b) => b.pulls);
    const consumes = sum(minute, (b) => b.consumes);
    return {
      pullRT: pulls === 0 ? 0 : sum(minute, (b) => b.pullRT) / pulls,
      pullTPS: sum(minute, (b) => b.pulled) / MINUTE_SECS,
      consumeRT: consumes === 0 ? 0 : sum(minute, (b) => b.consumeRT) / consumes,
      consumeOKTPS: sum(minute, (b) => b.ok) / MINUTE_SECS,
      consumeFailedTPS: sum(minute, (b) => b.failed) / MINUTE_SECS,
      consumeFailedMsgs: sum(all, (b) => b.failed),
    };
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }
}
