/**
 * Response codes (RemotingSysResponseCode + ResponseCode). Where 4.9 and 5.x give one number two
 * meanings, both names are listed and `responseCodeName` shows both.
 */
export const ResponseCode = {
  SUCCESS: 0,
  SYSTEM_ERROR: 1,
  SYSTEM_BUSY: 2,
  REQUEST_CODE_NOT_SUPPORTED: 3,
  TRANSACTION_FAILED: 4,
  FLUSH_DISK_TIMEOUT: 10,
  SLAVE_NOT_AVAILABLE: 11,
  FLUSH_SLAVE_TIMEOUT: 12,
  MESSAGE_ILLEGAL: 13,
  SERVICE_NOT_AVAILABLE: 14,
  VERSION_NOT_SUPPORTED: 15,
  NO_PERMISSION: 16,
  TOPIC_NOT_EXIST: 17,
  TOPIC_EXIST_ALREADY: 18,
  PULL_NOT_FOUND: 19,
  PULL_RETRY_IMMEDIATELY: 20,
  PULL_OFFSET_MOVED: 21,
  QUERY_NOT_FOUND: 22,
  SUBSCRIPTION_PARSE_FAILED: 23,
  SUBSCRIPTION_NOT_EXIST: 24,
  SUBSCRIPTION_NOT_LATEST: 25,
  SUBSCRIPTION_GROUP_NOT_EXIST: 26,
  FILTER_DATA_NOT_EXIST: 27,
  FILTER_DATA_NOT_LATEST: 28,
  /** 5.x only. */
  INVALID_PARAMETER: 29,
  TRANSACTION_SHOULD_COMMIT: 200,
  TRANSACTION_SHOULD_ROLLBACK: 201,
  TRANSACTION_STATE_UNKNOW: 202,
  TRANSACTION_STATE_GROUP_WRONG: 203,
  NO_BUYER_ID: 204,
  NOT_IN_CURRENT_UNIT: 205,
  CONSUMER_NOT_ONLINE: 206,
  CONSUME_MSG_TIMEOUT: 207,
  NO_MESSAGE: 208,
  /** 4.9 meaning of 209; 5.x reuses the number as POLLING_FULL. */
  UPDATE_AND_CREATE_ACL_CONFIG_FAILED: 209,
  POLLING_FULL: 209,
  /** 4.9 meaning of 210; 5.x reuses the number as POLLING_TIMEOUT. */
  DELETE_ACL_CONFIG_FAILED: 210,
  POLLING_TIMEOUT: 210,
  /** 4.9 meaning of 211; 5.x reuses the number as BROKER_NOT_EXIST. */
  UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED: 211,
  BROKER_NOT_EXIST: 211,
  BROKER_DISPATCH_NOT_COMPLETE: 212,
  BROADCAST_CONSUMPTION: 213,
  FLOW_CONTROL: 215,
  NOT_LEADER_FOR_QUEUE: 501,
  ILLEGAL_OPERATION: 604,
  /** 5.2+: the server is shutting down; reconnect and resend. */
  GO_AWAY: 1500,
  USER_NOT_EXIST: 3001,
  POLICY_NOT_EXIST: 3002,
} as const;

const responseNames = new Map<number, string>();
for (const [name, code] of Object.entries(ResponseCode)) {
  const known = responseNames.get(code);
  responseNames.set(code, known ? `${known}/${name}` : name);
}

/** Name of a response code for logs and error messages, e.g. `TOPIC_NOT_EXIST(17)`. */
export function responseCodeName(code: number): string {
  const name = responseNames.get(code);
  return name ? `${name}(${code})` : `UNKNOWN(${code})`;
}
