/**
 * Errors of SQL92 message selectors. A selector that Java's SelectorParser refuses is refused here
 * with a Sql92SyntaxError: its code is SUBSCRIPTION_PARSE_FAILED (23), what a broker answers for it,
 * and it says where (0-based `position` in the expression) and what is wrong.
 */
import { IllegalArgumentError } from '../../common/errors.js';
import { ResponseCode } from '../codes/response-code.js';

export class Sql92SyntaxError extends IllegalArgumentError {
  constructor(
    /** The expression that failed to parse. */
    readonly expression: string,
    /** Character offset of the error in the expression. */
    readonly position: number,
    /** What is wrong there. */
    readonly reason: string,
  ) {
    super(`invalid SQL92 expression at position ${position}: ${reason}${excerpt(expression, position)}`, {
      code: ResponseCode.SUBSCRIPTION_PARSE_FAILED,
    });
  }
}

/** ` (near "...")`: up to 20 characters from the position, so long expressions stay readable. */
function excerpt(expression: string, position: number): string {
  if (position >= expression.length) return ' (at the end)';
  const near = expression.slice(position, position + 20);
  return ` (near ${JSON.stringify(near + (expression.length > position + 20 ? '…' : ''))})`;
}
