/** The push consumer refuses unknown options like every other resolver, naming the nearest one. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientErrorCode, IllegalArgumentError } from '../../src/common/errors.js';
import { PushConsumer } from '../../src/client/consumer/push/push-consumer.js';
import { PUSH_CONSUMER_OPTION_KEYS } from '../../src/client/consumer/push/push-consumer-option-keys.js';
import { resolvePushConsumerConfig } from '../../src/client/consumer/push/push-consumer-options.js';

function refused(options: object, pattern: RegExp): void {
  assert.throws(
    () => new PushConsumer(options as never),
    (err: unknown) => {
      assert.ok(err instanceof IllegalArgumentError, String(err));
      assert.equal(err.code, ClientErrorCode.UNKNOWN_OPTION);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

describe('push consumer unknown options', () => {
  const consumerGroup = 'g';
  const handler = (): void => undefined;

  it('refuses a typo, naming the nearest option', () => {
    refused(
      { consumerGroup, handler, pullBatchSise: 8 },
      /^unknown option pullBatchSise; did you mean pullBatchSize\? \(push consumer options\)$/,
    );
    refused({ consumerGroup, handler, consumeThreadMx: 4 }, /did you mean consumeThreadMax\?/);
    refused({ consumerGroup, handler, nameserver: 'x:1' }, /did you mean nameServer\?/);
    refused({ consumerGroup, handler, messageModle: 'BROADCASTING' }, /did you mean messageModel\?/);
  });

  it('lists the valid options when nothing is near, and refuses before anything else', () => {
    refused({ consumerGroup, handler, zzzzzzzzzzzz: 1 }, /\(valid push consumer options: .*pullBatchSize/);
    // The unknown key wins over the (also bad) group: nothing is read before the keys are checked.
    refused({ consumerGroup: '', handlr: handler }, /unknown option handlr; did you mean handler\?/);
  });

  it('accepts every listed option key', () => {
    assert.ok(Object.hasOwn(PUSH_CONSUMER_OPTION_KEYS, 'offsetStoreDir'));
    const config = resolvePushConsumerConfig({
      consumerGroup,
      handler,
      nameServer: '127.0.0.1:9876',
      pullBatchSize: 8,
      orderly: true,
    });
    assert.equal(config.pullBatchSize, 8);
  });
});
