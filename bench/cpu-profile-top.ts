/**
 * Top self-time functions of a V8 .cpuprofile (node --cpu-prof): `node --import tsx
 * bench/cpu-profile-top.ts FILE.cpuprofile [N]`. Prints share of samples, function and file:line,
 * with GC and idle lines as V8 names them ("(garbage collector)", "(idle)"); shares exclude idle.
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
}

const [file, top = '10'] = process.argv.slice(2);
if (!file) throw new Error('usage: cpu-profile-top.ts FILE.cpuprofile [N]');
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const counts = new Map<string, number>();
let busy = 0;
for (const id of profile.samples) {
  const f = byId.get(id)!.callFrame;
  if (f.functionName === '(idle)' || f.functionName === '(program)') continue;
  const where = f.url ? ` ${path.basename(f.url)}:${f.lineNumber + 1}` : '';
  const key = `${f.functionName || '(anonymous)'}${where}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
  busy++;
}
const rows = [...counts].sort((a, b) => b[1] - a[1]).slice(0, Number(top));
for (const [key, n] of rows) console.log(`${((n * 100) / busy).toFixed(1).padStart(5)} %  ${key}`);
console.log(`(${busy} busy samples, idle and (program) excluded)`);
