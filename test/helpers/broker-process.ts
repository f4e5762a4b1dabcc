/** Starts test/helpers/broker-child.ts as a child process and waits for its address line. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface BrokerProcess {
  child: ChildProcess;
  address: string;
  exited: Promise<number | null>;
  stderr: () => string;
}

const SCRIPT = fileURLToPath(new URL('./broker-child.ts', import.meta.url));

export function startBrokerProcess(
  storePath: string,
  flush: 'ASYNC_FLUSH' | 'SYNC_FLUSH',
  timeoutMillis = 30_000,
  brokerOptions: Record<string, unknown> = {},
): Promise<BrokerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, storePath, flush, '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RMQ_BROKER_CHILD_OPTIONS: JSON.stringify(brokerOptions) },
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-8000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`broker process did not start within ${timeoutMillis} ms: ${err}`));
    }, timeoutMillis);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        const { address } = JSON.parse(out.slice(0, nl)) as { address: string };
        resolve({ child, address, exited, stderr: () => err });
      } catch (e) {
        reject(e as Error);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`broker process exited (${code}) before it was ready: ${err}`));
    });
  });
}
