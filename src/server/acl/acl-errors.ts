/**
 * The two ways access control says no: a configuration that cannot be used (startup fails, a reload
 * keeps the previous rules) and a request refused (answered the way Java 4.9.8's broker answers an
 * AclException thrown by its RPC hook: SYSTEM_ERROR, remark "<exception class>: <message>").
 */
import { ClientErrorCode, RequestRefusedError, RocketMQError } from '../../common/errors.js';
import { ResponseCode } from '../../protocol/codes/response-code.js';

/** Java's exception class name, the start of every refusal remark (RemotingHelper.exceptionSimpleDesc). */
export const JAVA_ACL_EXCEPTION = 'org.apache.rocketmq.acl.common.AclException';

export class AclConfigError extends RocketMQError {
  constructor(message: string) {
    super(message, { code: ClientErrorCode.ACL_CONFIG_INVALID });
    this.name = 'AclConfigError';
  }
}

/** A request the access rules refuse; `reason` is Java's AclException message. */
export class AclRefusedError extends RequestRefusedError {
  readonly reason: string;
  constructor(reason: string) {
    super(ResponseCode.SYSTEM_ERROR, `${JAVA_ACL_EXCEPTION}: ${reason}`);
    this.name = 'AclRefusedError';
    this.reason = reason;
  }
}
