/**
 * Running the user's listener methods: sync or async, a throw or a rejection caught, the local
 * transaction bounded in time, and anything that is not one of the three states read as UNKNOW (Java
 * reads a null state as UNKNOW). Nothing here ever turns into COMMIT_MESSAGE by itself.
 */
import { ClientErrorCode, MQClientError } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import { asLocalTransactionState, LocalTransactionState } from './transaction-types.js';

export interface ListenerOutcome {
  readonly state: LocalTransactionState;
  /** What the method threw (or the timeout), for the END_TRANSACTION remark. */
  readonly error?: unknown;
}

/** The local transaction did not settle in time: ended UNKNOW, the broker will check it. */
export class LocalTransactionTimeoutError extends MQClientError {
  constructor(message: string) {
    super(message, { code: ClientErrorCode.LOCAL_TRANSACTION_TIMEOUT });
  }
}

/**
 * Calls `fn` and reads its outcome. With `timeoutMillis`, a call not settled by then is UNKNOW with a
 * LocalTransactionTimeoutError (its late outcome is ignored).
 */
export async function runListener(
  what: string,
  fn: () => unknown,
  logger: Logger,
  timeoutMillis?: number,
): Promise<ListenerOutcome> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const call = Promise.resolve().then(fn);
    let value: unknown;
    if (timeoutMillis === undefined) {
      value = await call;
    } else {
      const timedOut = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new LocalTransactionTimeoutError(
                `${what} did not settle within ${timeoutMillis} ms (localTransactionTimeoutMillis)`,
              ),
            ),
          timeoutMillis,
        );
      });
      call.catch(() => undefined); // a late rejection after the timeout is not unhandled
      value = await Promise.race([call, timedOut]);
    }
    const state = asLocalTransactionState(value);
    if (state === undefined) {
      if (value !== null && value !== undefined) {
        logger.warn({ returned: String(value) }, `${what} returned no LocalTransactionState: UNKNOW`);
      }
      return { state: LocalTransactionState.UNKNOW };
    }
    return { state };
  } catch (error) {
    return { state: LocalTransactionState.UNKNOW, error };
  } finally {
    clearTimeout(timer);
  }
}
