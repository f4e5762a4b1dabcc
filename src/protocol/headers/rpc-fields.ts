/**
 * Optional fields many Java request headers inherit (Java field order kept, as FastCodes headers write
 * them after their own fields):
 *   RpcRequestHeader   (4.9.x: bname only; 5.x: ns, nsd, bname, oway)
 *   TopicRequestHeader (5.x: adds lo, written before the RpcRequestHeader fields)
 * All absent unless set; decoders ignore what they do not use.
 */
export const RPC_REQUEST_FIELDS = {
  /** 5.x namespace. */
  ns: { type: 'string' },
  /** 5.x: the names in this request are already namespaced. */
  nsd: { type: 'boolean' },
  /** Target broker name (4.9.5+). */
  bname: { type: 'string' },
  /** 5.x: oneway request. */
  oway: { type: 'boolean' },
} as const;

export const TOPIC_REQUEST_FIELDS = {
  /** 5.x logical-queue flag. */
  lo: { type: 'boolean' },
  ...RPC_REQUEST_FIELDS,
} as const;
