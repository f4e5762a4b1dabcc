/**
 * The faults of one broker slot of an embedded cluster (fault-rules.ts says what each kind does). It
 * outlives broker restarts: the cluster attaches it to every Broker it starts in that slot.
 *
 * Cost when off: the injector installs itself on the broker's remoting server only while it holds a
 * rule acting on requests or connections, and removes itself when the last one goes; without one the
 * dispatch path pays a single undefined check. Flush stalls sit in the store's FileIO (one check per
 * fdatasync, never per message).
 */
import type { DispatchTarget } from '../../transport/dispatcher.js';
import type { ServerInterceptor } from '../../transport/remoting-server.js';
import type { RemotingCommand } from '../../protocol/command/remoting-command.js';
import { createResponse, isOneway } from '../../protocol/command/remoting-command.js';
import { SerializeType } from '../../protocol/codes/misc.js';
import { encodeFrame } from '../../protocol/frame/frame-codec.js';
import { resolveFaultRule } from './fault-rules.js';
import type { FaultRule, ResolvedFaultRule } from './fault-rules.js';

/** What the injector is installed on (Broker.setRequestInterceptor). */
export interface InterceptorHost {
  setRequestInterceptor(interceptor: ServerInterceptor | undefined): void;
}

/** One injected rule, as the test sees it. */
export interface FaultHandle {
  /** The rule as given. */
  readonly rule: Readonly<FaultRule>;
  /** Requests, connections or fsyncs this rule took so far. */
  readonly hits: number;
  /** False once removed, cleared, or spent (`count` reached). */
  readonly active: boolean;
  /** Removes the rule at once (no-op when already removed or spent). */
  remove(): void;
}

export interface FaultInjectorOptions {
  /** Seed of the random source behind `fraction`: the same seed picks the same requests. */
  seed?: number;
}

class ActiveRule implements FaultHandle {
  hits = 0;
  active = true;
  /** stallFlush without millis: fsyncs waiting for the rule to go. */
  readonly stalled: (() => void)[] = [];

  constructor(
    readonly rule: Readonly<FaultRule>,
    readonly resolved: ResolvedFaultRule,
    private readonly owner: FaultInjector,
  ) {}

  remove(): void {
    this.owner.removeRule(this);
  }
}

/** mulberry32: a tiny, good-enough 32-bit PRNG for reproducible fractions. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function topicOf(request: RemotingCommand): string | undefined {
  const ext = request.extFields;
  return ext === undefined ? undefined : (ext.topic ?? ext.b);
}

export class FaultInjector implements ServerInterceptor {
  private rules: ActiveRule[] = [];
  private readonly random: () => number;
  private host: InterceptorHost | undefined;
  private installed = false;

  constructor(options: FaultInjectorOptions = {}) {
    this.random = options.seed === undefined ? Math.random : seededRandom(options.seed);
  }

  /** Adds a rule (checked first: a bad one throws and changes nothing); later rules rank lower. */
  inject(rule: FaultRule): FaultHandle {
    const resolved = resolveFaultRule(rule);
    const { broker: _ignored, ...own } = rule as FaultRule & { broker?: number };
    const active = new ActiveRule(Object.freeze({ ...own }), resolved, this);
    this.rules.push(active);
    this.sync();
    return active;
  }

  /** Removes every rule; stalled fsyncs go on. */
  clear(): void {
    for (const rule of [...this.rules]) this.removeRule(rule);
  }

  /** The rules in force, in the order they are tried. */
  get active(): readonly FaultHandle[] {
    return [...this.rules];
  }

  /** Serves `host` from now on (a broker just built for this slot). */
  attach(host: InterceptorHost): void {
    this.host = host;
    this.installed = false;
    this.sync();
  }

  removeRule(rule: ActiveRule): void {
    if (!rule.active) return;
    rule.active = false;
    this.rules = this.rules.filter((r) => r !== rule);
    for (const release of rule.stalled.splice(0)) release();
    this.sync();
  }

  intercept(
    target: DispatchTarget,
    request: RemotingCommand,
    resume: (target: DispatchTarget, request: RemotingCommand) => void,
  ): boolean {
    const rule = this.take(
      (r) => r.kind !== 'refuseConnections' && r.kind !== 'stallFlush' && this.matches(r, request),
    );
    if (rule === undefined) return false;
    const r = rule.resolved;
    switch (r.kind) {
      case 'latency': {
        const timer = setTimeout(() => {
          if (!target.closed) resume(target, request);
        }, r.millis);
        timer.unref();
        return true;
      }
      case 'drop':
        target.context.channel.close('injected fault: connection dropped');
        return true;
      default:
        if (!isOneway(request) && !target.closed) {
          const response = createResponse(r.responseCode, { remark: r.remark, opaque: request.opaque });
          target.writeFrame(encodeFrame(response, request.serializeType ?? SerializeType.JSON));
        }
        return true;
    }
  }

  refuseConnection(): boolean {
    return this.take((r) => r.kind === 'refuseConnections') !== undefined;
  }

  /** Awaited by the store before each fdatasync: undefined unless a stallFlush rule takes it. */
  beforeFsync(): Promise<void> | undefined {
    const rule = this.take((r) => r.kind === 'stallFlush');
    if (rule === undefined) return undefined;
    const millis = rule.resolved.millis;
    return new Promise<void>((resolve) => {
      if (millis !== undefined) setTimeout(resolve, millis).unref();
      else if (rule.active) rule.stalled.push(resolve);
      else resolve(); // its last allowed hit: nothing will release it later
    });
  }

  private matches(r: ResolvedFaultRule, request: RemotingCommand): boolean {
    if (r.codes !== undefined && !r.codes.has(request.code)) return false;
    if (r.topics !== undefined) {
      const topic = topicOf(request);
      if (topic === undefined || !r.topics.has(topic)) return false;
    }
    return true;
  }

  /** The first rule that selects this event and draws it; counts the hit, retires a spent rule. */
  private take(selects: (r: ResolvedFaultRule) => boolean): ActiveRule | undefined {
    for (const rule of this.rules) {
      const r = rule.resolved;
      if (!selects(r) || rule.hits >= r.count) continue;
      if (r.fraction < 1 && !(this.random() < r.fraction)) continue;
      rule.hits++;
      // A stall without millis holds until removed: its last hit keeps the rule until then.
      if (rule.hits >= r.count && !(r.kind === 'stallFlush' && r.millis === undefined)) this.removeRule(rule);
      return rule;
    }
    return undefined;
  }

  private sync(): void {
    const wanted = this.rules.some((r) => r.resolved.kind !== 'stallFlush');
    if (this.host === undefined || wanted === this.installed) return;
    this.host.setRequestInterceptor(wanted ? this : undefined);
    this.installed = wanted;
  }
}
