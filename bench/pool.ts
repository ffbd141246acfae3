/**
 * The database pool under sustained load: CPU per `select 1` through postgres.js with shosho's pool
 * size (10 connections) and 30 callers at once, block by block over a long run. Unpatched, the
 * queue of busy connections kept a hole for every query it handed out and scanned them on every
 * move, so each block cost more than the one before (scripts/patch-postgres.mjs, third stage).
 * Target: the last block within 1.25× of the first (raw: the first block, the same work in the
 * same run). The figure before the patch comes from an unpatched install: `npm ci
 * --ignore-scripts`, this script, then `npm ci`.
 *
 *   node --import tsx bench/pool.ts          (BENCH_POOL_QUERIES=400000 BENCH_POOL_CALLERS=30)
 */
import postgres from 'postgres';
import { loadConfig } from '../src/config/index.js';
import { main } from './lib/cleanup.js';
import { PG_URL } from './lib/db.js';
import { loadavg } from './lib/machine.js';
import { Report } from './lib/report.js';
import { num } from './lib/stats.js';

const QUERIES = Number(process.env.BENCH_POOL_QUERIES ?? 400_000);
const CALLERS = Number(process.env.BENCH_POOL_CALLERS ?? 30);
const BLOCK = QUERIES / 8;
/** the service's pool size when DATABASE_POOL_MAX is not set */
const POOL = loadConfig({}).databasePoolMax;

main(
  async () => {
    const report = new Report('pool', 'Database pool under sustained load: CPU per query over a long run');
    const sql = postgres(`${PG_URL}/postgres`, { max: POOL, onnotice: () => {} });
    await sql`select 1`;
    const blocks: number[] = [];
    let done = 0;
    let cpu = process.cpuUsage();
    const caller = async () => {
      while (done < QUERIES) {
        await sql`select 1`;
        if (++done % BLOCK === 0) {
          const used = process.cpuUsage(cpu);
          blocks.push((used.user + used.system) / BLOCK);
          cpu = process.cpuUsage();
        }
      }
    };
    await Promise.all(Array.from({ length: CALLERS }, caller));
    await sql.end();
    const first = blocks[0]!;
    const last = blocks.at(-1)!;
    report.add({
      figure: `CPU per \`select 1\`, the last ${num(BLOCK, 0)} of ${num(QUERIES, 0)} queries (${CALLERS} callers, ${POOL} connections)`,
      measured: `${num(last)} µs`,
      raw: `${num(first)} µs, the first ${num(BLOCK, 0)}`,
      ratio: `${num(last / first)}×`,
      target: '≤ 1.25×',
      met: last / first <= 1.25,
    });
    report.note(
      `Blocks of ${num(BLOCK, 0)} queries, µs of this process's CPU per query: ${blocks.map((b) => num(b)).join(', ')}; load average at end ${loadavg()}. Unpatched (this script over the unpatched queue, 2026-12-03 08:05 UTC, the same machine, load 1.4–2.1): 65.1, 84.9, 120, 166, 197, 216, 236, 263 µs — 4.04×, and growing for as long as the load lasts.`,
    );
    report.save();
  },
  { timeLimitMs: 10 * 60_000 },
);
