/**
 * Typed instrumentation events (KafkaJS's instrumentation emitter, typed): producers, consumers and
 * client instances each own one hub, and users subscribe with `on(name, listener)`. Free when nobody
 * listens: emitters ask `listening(name)` (one Map lookup, after an empty check) before they build a
 * payload object, so an unobserved client allocates nothing for events. Listeners run synchronously,
 * in subscription order; one that throws is logged and skipped, never breaking the call it observes.
 */
import type { Logger } from '../../common/logger.js';
import { IllegalArgumentError } from '../../common/errors.js';

/** Event name -> payload type. */
export type EventMap = { [name: string]: object };

/** A listener of one event; it receives the event's payload (errors it throws are logged, never propagated). */
export type EventListener<P> = (payload: P) => void;

export class EventHub<M extends EventMap> {
  readonly #listeners = new Map<keyof M, EventListener<never>[]>();

  constructor(
    /** Valid names, so that a misspelt subscription fails at once instead of never firing. */
    private readonly names: ReadonlySet<string>,
    private readonly logger: Logger,
  ) {}

  /** True when anyone listens to anything (a first check for emitters with several events). */
  get active(): boolean {
    return this.#listeners.size !== 0;
  }

  /** True when someone listens to `name`: check it before building the payload. */
  listening(name: keyof M): boolean {
    return this.#listeners.size !== 0 && this.#listeners.has(name);
  }

  /** Listeners of `name` (for emitters that build one payload and call them). */
  emit<K extends keyof M>(name: K, payload: M[K]): void {
    const list = this.#listeners.get(name) as EventListener<M[K]>[] | undefined;
    if (list === undefined) return;
    for (const listener of list.length === 1 ? list : [...list]) {
      try {
        listener(payload);
      } catch (err) {
        this.logger.warn({ event: String(name), err: String(err) }, 'event listener threw');
      }
    }
  }

  on<K extends keyof M>(name: K, listener: EventListener<M[K]>): () => void {
    if (typeof name !== 'string' || !this.names.has(name)) {
      throw new IllegalArgumentError(
        `unknown event ${JSON.stringify(name)}; known events: ${[...this.names].join(', ')}`,
      );
    }
    if (typeof listener !== 'function') {
      throw new IllegalArgumentError(`the listener of event ${name} must be a function`);
    }
    const list = this.#listeners.get(name) ?? [];
    this.#listeners.set(name, [...list, listener as EventListener<never>]);
    return () => this.off(name, listener);
  }

  off<K extends keyof M>(name: K, listener: EventListener<M[K]>): void {
    const list = this.#listeners.get(name);
    if (list === undefined) return;
    const index = list.indexOf(listener as EventListener<never>);
    if (index < 0) return;
    const rest = list.filter((_, i) => i !== index);
    if (rest.length === 0) this.#listeners.delete(name);
    else this.#listeners.set(name, rest);
  }

  /** Number of listeners of `name` (all events when omitted). */
  listenerCount(name?: keyof M): number {
    if (name !== undefined) return this.#listeners.get(name)?.length ?? 0;
    let n = 0;
    for (const list of this.#listeners.values()) n += list.length;
    return n;
  }
}

/**
 * The subscription methods a public class exposes over its hub (`on` returns the unsubscribe
 * function, as KafkaJS's does).
 */
export abstract class EventSource<M extends EventMap> {
  protected abstract get eventHub(): EventHub<M>;

  /** Subscribes `listener` to the event `name` (an unknown name throws IllegalArgumentError); returns a function that unsubscribes. */
  on<K extends keyof M>(name: K, listener: EventListener<M[K]>): () => void {
    return this.eventHub.on(name, listener);
  }

  /** Like `on`, but the listener is removed after its first call; returns a function that unsubscribes. */
  once<K extends keyof M>(name: K, listener: EventListener<M[K]>): () => void {
    const off = this.eventHub.on(name, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  /** Removes one registration of `listener` from the event `name` (no-op when absent). */
  off<K extends keyof M>(name: K, listener: EventListener<M[K]>): void {
    this.eventHub.off(name, listener);
  }

  /** Number of listeners of `name` (all events when omitted). */
  listenerCount(name?: keyof M): number {
    return this.eventHub.listenerCount(name);
  }
}
