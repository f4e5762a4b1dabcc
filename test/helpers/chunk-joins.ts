/**
 * Counts how often chunked bodies are joined (ChunkedBody.prototype.join) while `run` runs: servers
 * started in the test's own process that take a large body from its socket chunks join none.
 */
import { ChunkedBody } from '../../src/protocol/command/chunked-body.js';

export async function countChunkJoins(run: () => Promise<void>): Promise<number> {
  let joins = 0;
  const join = ChunkedBody.prototype.join;
  ChunkedBody.prototype.join = function (this: ChunkedBody) {
    joins++;
    return join.call(this);
  };
  try {
    await run();
  } finally {
    ChunkedBody.prototype.join = join;
  }
  return joins;
}
