import type { RemotingCommand } from '../../src/protocol/command/index.js';

/** The wire-visible part of a command as a plain object, for deepEqual (no null prototypes). */
export function plain(command: RemotingCommand): Record<string, unknown> {
  return {
    code: command.code,
    language: command.language,
    version: command.version,
    opaque: command.opaque,
    flag: command.flag,
    remark: command.remark,
    extFields: command.extFields === undefined ? undefined : Object.entries(command.extFields),
    body: command.body === undefined ? undefined : Buffer.from(command.body).toString('hex'),
  };
}
