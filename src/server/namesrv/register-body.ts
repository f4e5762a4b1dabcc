/**
 * Decodes a REGISTER_BROKER body without holding the event loop for long, whatever its size: a
 * compressed body is inflated in libuv's thread pool (zlib.inflate, bounded by maxRegisterBodyBytes),
 * then decoded in steps of DECODE_STEP_ENTRIES entries with a macrotask turn between steps, so other
 * connections are served while a broker with many topics (or a hostile body) is decoded. Mapping
 * entries are skipped unparsed: this name server keeps no static-topic mappings (Java's
 * topicQueueMappingInfoTable), and parsing ~100k of them was the costliest part of a hostile body.
 * An uncompressed body is parsed in one go: its size is bounded by the frame limit, not inflation.
 * How many of these run at once is bounded by the REGISTER_BROKER pool (broker-requests.ts), since
 * each holds its inflated body and partly decoded table until it ends.
 */
import { inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { decodeRegisterBrokerBody, registerBodyDecodeSteps } from '../../protocol/body/register-broker.js';
import type { RegisterBrokerBody } from '../../protocol/body/register-broker.js';
import type { NameServerLimits } from './limits.js';
import { NameServerRequestError } from './limits.js';

const inflateAsync = promisify(inflate);

/**
 * Work counters, read by tests: decode steps run, turns given back to the event loop, compressed
 * bodies being inflated or decoded now, and the most of those at once (tests reset it).
 */
export const registerBodyDecodeStats = { steps: 0, pauses: 0, decoding: 0, peakDecoding: 0 };

function refusal(err: unknown): NameServerRequestError {
  return new NameServerRequestError(`Failed to decode RegisterBrokerBody: ${(err as Error).message}`);
}

export async function decodeRegisterBody(
  body: Buffer,
  compressed: boolean,
  limits: NameServerLimits,
): Promise<RegisterBrokerBody> {
  if (!compressed) {
    try {
      return decodeRegisterBrokerBody(body, { maxTopics: limits.maxTopicsPerBroker });
    } catch (err) {
      throw refusal(err);
    }
  }
  registerBodyDecodeStats.decoding++;
  registerBodyDecodeStats.peakDecoding = Math.max(
    registerBodyDecodeStats.peakDecoding,
    registerBodyDecodeStats.decoding,
  );
  try {
    return await decodeCompressed(body, limits);
  } finally {
    registerBodyDecodeStats.decoding--;
  }
}

async function decodeCompressed(body: Buffer, limits: NameServerLimits): Promise<RegisterBrokerBody> {
  let raw: Buffer;
  try {
    raw = await inflateAsync(body, { maxOutputLength: limits.maxRegisterBodyBytes });
  } catch (err) {
    throw refusal(new Error(`compressed register body does not inflate: ${(err as Error).message}`));
  }
  const steps = registerBodyDecodeSteps(raw, { maxTopics: limits.maxTopicsPerBroker, skipMappings: true });
  for (;;) {
    let step: IteratorResult<void, RegisterBrokerBody>;
    try {
      step = steps.next();
    } catch (err) {
      throw refusal(err);
    }
    registerBodyDecodeStats.steps++;
    if (step.done === true) return step.value;
    registerBodyDecodeStats.pauses++;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
