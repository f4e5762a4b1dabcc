/**
 * Broker counters and the GET_BROKER_RUNTIME_INFO table (Java StoreStatsService.getRuntimeInfo +
 * DefaultMessageStore.getRuntimeInfo + AdminBrokerProcessor.prepareRuntimeInfo, 4.9.8 key names).
 *
 * mqadmin reads these keys and parses some of them without a null check, so they must be present:
 *   clusterList:     putTps / getTransferedTps ("<10s> <60s> <600s>" doubles, first one parsed),
 *                    sendThreadPoolQueueSize, pullThreadPoolQueueSize, *HeadWaitTimeMills,
 *                    pageCacheLockTimeMills, earliestMessageTimeStamp, commitLogDiskRatio, brokerVersionDesc
 *   clusterList -m:  msgPutTotal{YesterdayMorning,TodayMorning,TodayNow}, msgGetTotal{...} (Long.parseLong)
 * TPS are sampled once a second, as Java does, over the last 10 / 60 / 600 seconds.
 */
import fs from 'node:fs';
import { DEFAULT_PROTOCOL_VERSION, DEFAULT_PROTOCOL_VERSION_DESC } from '../../../protocol/codes/misc.js';
import type { MessageStore } from '../../store/index.js';

interface Sample {
  at: number;
  puts: number;
  gets: number;
}

const MAX_SAMPLES = 601;

/** Java Double.toString for the plain values we produce (no exponent forms). */
export function javaDouble(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : x < 0 ? '-Infinity' : 'NaN';
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/** MixAll.humanReadableByteCount(bytes, si=false): "512 B", "1.5 KiB", "99.3 GiB". */
export function humanReadableBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const exp = Math.min(6, Math.floor(Math.log(bytes) / Math.log(1024)));
  return `${(bytes / 1024 ** exp).toFixed(1)} ${'KMGTPE'[exp - 1]}iB`;
}

export class BrokerStats {
  readonly bootTimestamp: number;
  /** Messages handed to consumers by PULL_MESSAGE. */
  private gets = 0;
  private readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private day: string;
  private morning = { puts: 0, gets: 0 };
  private yesterdayMorning = { puts: 0, gets: 0 };

  constructor(
    private readonly puts: () => number,
    private readonly now: () => number = Date.now,
  ) {
    this.bootTimestamp = now();
    this.day = new Date(this.bootTimestamp).toDateString();
    this.sample();
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  addGot(n: number): void {
    this.gets += n;
  }

  get getsTotal(): number {
    return this.gets;
  }

  /** Takes a sample; rolls the "morning" counters over when the local date changed. */
  sample(): void {
    const at = this.now();
    const current = { at, puts: this.puts(), gets: this.gets };
    const day = new Date(at).toDateString();
    if (day !== this.day) {
      this.day = day;
      this.yesterdayMorning = this.morning;
      this.morning = { puts: current.puts, gets: current.gets };
    }
    this.samples.push(current);
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
  }

  /** "<10s> <60s> <600s>" rates, each over the samples available when fewer were taken. */
  private tps(pick: (s: Sample) => number): string {
    const last = { at: this.now(), puts: this.puts(), gets: this.gets };
    return [10, 60, 600]
      .map((seconds) => {
        const first = this.samples[Math.max(0, this.samples.length - seconds)] ?? last;
        const millis = last.at - first.at;
        const rate = millis > 0 ? ((pick(last) - pick(first)) * 1000) / millis : 0;
        return javaDouble(Math.round(rate * 100) / 100);
      })
      .join(' ');
  }

  async runtimeInfo(store: MessageStore, storePath: string): Promise<Map<string, string>> {
    const info = new Map<string, string>();
    const puts = this.puts();
    const uptime = Math.floor((this.now() - this.bootTimestamp) / 1000);
    // 5.x: a master runs its schedule and transaction services (isSpecialServiceRunning); clusterList reads it.
    info.set('brokerActive', 'true');
    info.set('brokerVersionDesc', DEFAULT_PROTOCOL_VERSION_DESC);
    info.set('brokerVersion', String(DEFAULT_PROTOCOL_VERSION));
    info.set('bootTimestamp', String(this.bootTimestamp));
    const [d, h, m, s] = [uptime / 86400, (uptime % 86400) / 3600, (uptime % 3600) / 60, uptime % 60].map(
      Math.floor,
    );
    info.set('runtime', `[ ${d} days, ${h} hours, ${m} minutes, ${s} seconds ]`);
    info.set('putMessageTimesTotal', String(puts));
    info.set('putMessageFailedTimes', '0');
    info.set(
      'putTps',
      this.tps((x) => x.puts),
    );
    // 4.9.8 spells it getTransferedTps, 5.x getTransferredTps (5.x mqadmin clusterList reads that).
    info.set(
      'getTransferedTps',
      this.tps((x) => x.gets),
    );
    info.set(
      'getTransferredTps',
      this.tps((x) => x.gets),
    );
    info.set(
      'getFoundTps',
      this.tps((x) => x.gets),
    );
    info.set('getMissTps', '0.0 0.0 0.0');
    info.set(
      'getTotalTps',
      this.tps((x) => x.gets),
    );
    info.set('msgPutTotalYesterdayMorning', String(this.yesterdayMorning.puts));
    info.set('msgPutTotalTodayMorning', String(this.morning.puts));
    info.set('msgPutTotalTodayNow', String(puts));
    info.set('msgGetTotalYesterdayMorning', String(this.yesterdayMorning.gets));
    info.set('msgGetTotalTodayMorning', String(this.morning.gets));
    info.set('msgGetTotalTodayNow', String(this.gets));
    // No thread pools here: requests run on the event loop, nothing queues behind a pool.
    for (const pool of ['send', 'pull', 'query']) {
      info.set(`${pool}ThreadPoolQueueSize`, '0');
      info.set(`${pool}ThreadPoolQueueHeadWaitTimeMills`, '0');
    }
    info.set('sendThreadPoolQueueCapacity', '10000');
    info.set('pullThreadPoolQueueCapacity', '100000');
    info.set('queryThreadPoolQueueCapacity', '20000');
    info.set('dispatchBehindBytes', '0');
    info.set('pageCacheLockTimeMills', '0');
    info.set('earliestMessageTimeStamp', String(await store.getEarliestMessageTime()));
    info.set('startAcceptSendRequestTimeStamp', '0');
    info.set('commitLogMinOffset', store.getCommitLogMinOffset().toString());
    info.set('commitLogMaxOffset', store.getCommitLogMaxOffset().toString());
    // Not in Java: commit-log fdatasync calls and bytes written since start (benchmarks read them).
    info.set('commitLogFsyncs', String(store.counters.fsyncs));
    info.set('commitLogBytesWritten', String(store.counters.bytesWritten));
    try {
      const st = fs.statfsSync(storePath);
      const total = st.blocks * st.bsize;
      const free = st.bavail * st.bsize;
      const ratio = javaDouble(total > 0 ? (total - st.bfree * st.bsize) / total : -1);
      info.set('commitLogDiskRatio', ratio);
      info.set('consumeQueueDiskRatio', ratio);
      info.set(
        'commitLogDirCapacity',
        `Total : ${humanReadableBytes(total)}, Free : ${humanReadableBytes(free)}.`,
      );
    } catch {
      info.set('commitLogDiskRatio', '-1.0');
      info.set('consumeQueueDiskRatio', '-1.0');
    }
    return info;
  }
}
