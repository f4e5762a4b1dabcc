/**
 * Top self-time functions of a V8 .cpuprofile (node --cpu-prof): `node --import tsx
 * bench/cpu-profile-top.ts FILE.cpuprofile [N] [SKIP_SECONDS]`. Prints share of samples, function and
 * file:line, with GC as V8 names it ("(garbage collector)"); shares exclude idle and (program).
 * SKIP_SECONDS leaves out the profile's first seconds (start-up: module loading and compilation).
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  endTime: number;
  startTime: number;
}

const [file, top = '10', skipSeconds = '0'] = process.argv.slice(2);
if (!file) throw new Error('usage: cpu-profile-top.ts FILE.cpuprofile [N]');
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const counts = new Map<string, number>();
let busy = 0;
const from = profile.startTime + Number(skipSeconds) * 1e6;
let at = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i] ?? 0;
  if (at < from) continue;
  const f = byId.get(profile.samples[i]!)!.callFrame;
  if (f.functionName === '(idle)' || f.functionName === '(program)') continue;
  const where = f.url ? ` ${path.basename(f.url)}:${f.lineNumber + 1}` : '';
  const key = `${f.functionName || '(anonymous)'}${where}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
  busy++;
}
const rows = [...counts].sort((a, b) => b[1] - a[1]).slice(0, Number(top));
for (const [key, n] of rows) console.log(`${((n * 100) / busy).toFixed(1).padStart(5)} %  ${key}`);
console.log(`(${busy} busy samples, idle and (program) excluded)`);
