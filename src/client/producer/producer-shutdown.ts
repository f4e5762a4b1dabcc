/**
 * What a Producer's shutdown() does once it refused new sends: drain the sends in flight within the
 * deadline (send/in-flight-sends.ts), unregister from the brokers within what is left of it, and
 * leave the client instance, which stops only when its last member has left.
 */
import { performance } from 'node:perf_hooks';
import type { ProducerCore } from './producer-core.js';
import { MessageNotSentError } from './shutdown-errors.js';

/** Options of `shutdown()`. */
export interface ShutdownOptions {
  /** How long to wait for the sends in flight, ms (0: not at all). Default: shutdownTimeoutMillis. */
  timeoutMillis?: number;
}

/**
 * Unregistering after the drain gets what is left of the shutdown deadline, but at least this long:
 * a broker that answers needs a few ms, one that does not must not hold shutdown() much past its
 * deadline (brokers also forget a client whose connection closed).
 */
const UNREGISTER_MIN_MILLIS = 200;

export async function drainAndLeave(core: ProducerCore, timeoutMillis: number): Promise<void> {
  // Real time, not core.clock: the drain timer is a real timer (fake clocks only steer send budgets).
  const begin = performance.now();
  // Sends still waiting for backpressure permits never started: they fail now, as not sent.
  core.backpressure?.close(
    () =>
      new MessageNotSentError(
        'the producer shut down while the send waited for async backpressure permits (enableBackpressureForAsyncMode): nothing was sent',
      ),
  );
  // Batched queue sends whose queue is being selected join the batches that leave now; the batches
  // waiting for their delay leave now, and are drained like any send.
  await core.gate.whenSelected(timeoutMillis);
  core.gate.flush();
  const drained = await core.inFlightSends.drain(
    core,
    Math.max(0, Math.floor(timeoutMillis - (performance.now() - begin))),
  );
  if (drained.abandoned > 0) {
    core.logger.warn(
      { group: core.wireGroup, timeoutMillis, ...drained },
      'producer shutdown deadline passed with sends in flight; they were failed',
    );
  }
  // Trace records of the drained sends go out before the producer (and maybe its instance) leaves.
  await core.trace?.shutdown(Math.max(UNREGISTER_MIN_MILLIS, timeoutMillis - (performance.now() - begin)));
  const left = Math.floor(timeoutMillis - (performance.now() - begin));
  const unregisterMillis = Math.min(
    core.config.client.mqClientApiTimeout,
    Math.max(UNREGISTER_MIN_MILLIS, left),
  );
  const shared = core.instance;
  await shared.unregisterProducer(core.wireGroup, unregisterMillis);
  await shared.shutdown();
  core.logger.info({ group: core.wireGroup, ...drained }, 'producer shut down');
}
