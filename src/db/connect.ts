import fs from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import type { Logger } from '../log/index.js';
import { customSocket, DatabaseWatch } from './availability.js';
import { lockDataDir } from './data-dir-lock.js';

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;
/** Either the pool or an open transaction: functions that write take this so callers choose. */
export type Queryable = Sql | Tx;

export interface Database {
  sql: Sql;
  kind: 'postgres' | 'pglite';
  /** Pool capacity: PGlite serves exactly one session. */
  maxConnections: number;
  /** False while the watch's probe gets no answer (requests then fail at once with DatabaseUnavailable). */
  reachable(): boolean;
  close(): Promise<void>;
}

const clientOptions = {
  onnotice: () => {},
  connection: { application_name: 'shosho', TimeZone: 'UTC' },
} as const;

/**
 * Bounds on waiting for PostgreSQL (docs/operations.md): a connection must be ready within
 * CONNECT_TIMEOUT_SECONDS, a statement finish within STATEMENT_TIMEOUT_MS (migrations lift it), a
 * transaction not sit idle longer than IDLE_IN_TRANSACTION_MS, and the watch's probe answer within
 * PROBE_TIMEOUT_MS; after a lost connection the pool tries again within RECONNECT_MAX_SECONDS
 * (postgres.js would back off up to 20 s, holding every request that waits for a connection).
 */
const CONNECT_TIMEOUT_SECONDS = 5;
const STATEMENT_TIMEOUT_MS = 30_000;
const IDLE_IN_TRANSACTION_MS = 60_000;
const PROBE_INTERVAL_MS = 1000;
const PROBE_TIMEOUT_MS = 2000;
const RECONNECT_MAX_SECONDS = 0.5;

export async function openDatabase(opts: { url?: string; dataDir: string; poolMax?: number; log: Logger }): Promise<Database> {
  if (opts.url) {
    const max = opts.poolMax ?? 10;
    const watch = new DatabaseWatch(opts.url, { intervalMs: PROBE_INTERVAL_MS, timeoutMs: PROBE_TIMEOUT_MS, log: opts.log });
    const sql = postgres(opts.url, {
      ...clientOptions,
      connection: {
        ...clientOptions.connection,
        statement_timeout: STATEMENT_TIMEOUT_MS,
        idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
      },
      max,
      idle_timeout: 30,
      connect_timeout: CONNECT_TIMEOUT_SECONDS,
      backoff: (retries: number) => Math.min(0.05 * 2 ** retries, RECONNECT_MAX_SECONDS),
      ...customSocket(watch.poolSocket),
    });
    watch.start();
    return {
      sql,
      kind: 'postgres',
      maxConnections: max,
      reachable: () => watch.reachable,
      async close() {
        await watch.stop();
        await sql.end({ timeout: 5 });
      },
    };
  }
  return openEmbedded(opts.dataDir, opts.log);
}

/**
 * PGlite in SHOSHO_DATA_DIR, served on a loopback port and reached through the same `postgres`
 * client with one connection (PGlite is single-session; more sockets would share one backend).
 * A lock (data-dir-lock.ts) keeps a second process off the directory, where it would silently lose writes.
 */
async function openEmbedded(dataDir: string, log: Logger): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  fs.mkdirSync(dataDir, { recursive: true });
  const releaseLock = await lockDataDir(dataDir);
  try {
    const db = await PGlite.create(path.join(dataDir, 'pglite'), { extensions: { pg_trgm } });
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
    await server.start();
    const sql = postgres(`postgres://postgres@${server.getServerConn()}/postgres`, { ...clientOptions, max: 1, idle_timeout: 0 });
    log.info('embedded database open', { dataDir, server: server.getServerConn() });
    return {
      sql,
      kind: 'pglite',
      maxConnections: 1,
      reachable: () => true, // in this process: it goes away only with it
      async close() {
        await sql.end({ timeout: 5 });
        await server.stop();
        await db.close();
        releaseLock();
      },
    };
  } catch (e) {
    releaseLock();
    throw e;
  }
}
