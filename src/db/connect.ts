import fs from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { DEFAULT_DATABASE_LIMITS, type DatabaseLimits } from '../config/index.js';
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
 * PostgreSQL at `url` (bounded by `limits`, docs/operations.md "Database limits"; migrations lift
 * the statement timeout), or else the embedded database in `dataDir`. After a lost connection the
 * pool tries again within `limits.reconnectMaxMs`: postgres.js would back off up to 20 s, holding
 * every request that waits for a connection.
 */
export async function openDatabase(opts: { url?: string; dataDir: string; poolMax?: number; limits?: DatabaseLimits; log: Logger }): Promise<Database> {
  if (opts.url) {
    const max = opts.poolMax ?? 10;
    const limits = opts.limits ?? DEFAULT_DATABASE_LIMITS;
    const watch = new DatabaseWatch(opts.url, { intervalMs: limits.probeIntervalMs, timeoutMs: limits.probeTimeoutMs, log: opts.log });
    const sql = postgres(opts.url, {
      ...clientOptions,
      connection: {
        ...clientOptions.connection,
        statement_timeout: limits.statementTimeoutMs,
        idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs,
      },
      max,
      idle_timeout: limits.idleTimeoutMs / 1000,
      connect_timeout: limits.connectTimeoutMs / 1000,
      backoff: (retries: number) => Math.min(50 * 2 ** retries, limits.reconnectMaxMs) / 1000,
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
