// A poll scheduler alone in its own process, for tests that kill it: DATABASE_URL, SHOSHO_AUDIENCE,
// LEASE_MS and MAX_EVENTS from the environment; prints "polling" once started.
import postgres from 'postgres';
import { createReceiver, KeyStore, PollScheduler } from '../../src/feed/index.js';
import { silentLogger } from '../../src/log/index.js';

const sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} });
const keys = new KeyStore(sql, { log: silentLogger });
const receiver = createReceiver({ sql, keys, audience: process.env.SHOSHO_AUDIENCE!, log: silentLogger });
const scheduler = new PollScheduler({
  sql,
  receiver,
  log: silentLogger,
  intervalMs: 60_000,
  tickMs: 20,
  leaseMs: Number(process.env.LEASE_MS),
  maxEvents: Number(process.env.MAX_EVENTS ?? 100),
});
scheduler.start();
process.stdout.write('polling\n');
