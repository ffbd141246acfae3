import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { migrate } from '../../src/db/index.js';
import { onCleanup } from './cleanup.js';
import { countDatabaseCpu } from './machine.js';

export const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

export interface BenchDatabase {
  url: string;
  name: string;
  /** a small pool for the benchmark's own setup and checks */
  sql: postgres.Sql;
  drop(): Promise<void>;
}

const admin = () => postgres(`${PG_URL}/postgres`, { max: 1, onnotice: () => {} });

/** A fresh, migrated database of its own (shosho_bench_<random>), dropped by drop() or at exit. */
export async function createBenchDatabase(label = 'bench'): Promise<BenchDatabase> {
  const name = `shosho_${label.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(4).toString('hex')}`;
  assertLoopback(PG_URL);
  const a = admin();
  try {
    await a.unsafe(`create database ${name}`);
  } finally {
    await a.end();
  }
  const url = `${PG_URL}/${name}`;
  const sql = postgres(url, { max: 4, onnotice: () => {}, connection: { TimeZone: 'UTC' } });
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await sql.end({ timeout: 1 }).catch(() => {});
    const b = admin();
    try {
      await b.unsafe(`drop database if exists ${name} with (force)`);
    } finally {
      await b.end();
    }
  };
  onCleanup(drop);
  countDatabaseCpu(name);
  await migrate(sql);
  return { url, name, sql, drop };
}

/** Benchmarks only ever talk to this machine. */
export function assertLoopback(url: string): void {
  const host = new URL(url.replace(/^postgres(ql)?:/, 'http:')).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) throw new Error(`benchmarks only target loopback addresses; ${url} is not one`);
}
