/**
 * Prototypes of proposed changes, and earlier versions of changed modules, for measuring only:
 * `--import ./bench/lib/proto/register.ts` with BENCH_PROTO=per-set-ingest,… makes the service load
 * bench/lib/proto/<name>.ts in place of the src/ module it replaces. Nothing in src/ changes;
 * bench/*.ts use it (via spawnChild's `proto` option) only for figures labelled "proposal" or "before".
 */
import { register } from 'node:module';

process.stderr.write(`bench prototypes in place of src modules: ${process.env.BENCH_PROTO}\n`);
register(new URL('./hooks.ts', import.meta.url), { data: { protos: (process.env.BENCH_PROTO ?? '').split(',').filter(Boolean) } });
