/**
 * Runs the benchmarks one after another (never in parallel: they would disturb each other), each
 * in its own process, each writing its section of BENCHMARKS.md.
 *
 *   node --import tsx bench/run-all.ts                 all of them (≈ 35 minutes)
 *   node --import tsx bench/run-all.ts ingest page     some of them
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const ALL = ['ingest', 'lookup', 'guessing', 'page', 'pdf', 'scale', 'load', 'two-instances', 'pool'];
const asked = process.argv.slice(2);
const unknown = asked.filter((a) => !ALL.includes(a));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
  process.exit(2);
}
const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const results: Array<[string, number | null, number]> = [];
for (const name of asked.length ? asked : ALL) {
  console.log(`\n=== bench/${name}.ts`);
  const t = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`], { cwd: root, stdio: 'inherit' });
  results.push([name, r.status, Math.round((Date.now() - t) / 1000)]);
}
console.log(`\n${results.map(([n, s, sec]) => `${s === 0 ? 'ok  ' : 'FAIL'} bench/${n}.ts (${sec} s)`).join('\n')}`);
process.exit(results.every(([, s]) => s === 0) ? 0 : 1);
