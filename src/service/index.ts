import type { Config } from '../config/index.js';
import { migrate, migrationsCurrent, openDatabase, type Database } from '../db/index.js';
import type { Logger } from '../log/index.js';
import { Registry } from '../metrics/index.js';
import { createRenderer } from '../render/index.js';
import { createApp } from '../web/app.js';
import type { ReadinessCheck } from '../web/health.js';
import { listen } from '../web/server.js';

export interface RunningService {
  url: string;
  db: Database;
  /** Graceful: stop accepting, finish in-flight requests, stop pollers, close the database. */
  stop(): Promise<void>;
}

/** `shosho serve`: database (migrated first), HTTP app, pollers. */
export async function startService(config: Config, log: Logger): Promise<RunningService> {
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolMax: config.databasePoolMax, log });
  try {
    const { applied } = await migrate(db.sql);
    if (applied.length) log.info('migrations applied', { applied });
    const metrics = new Registry();
    registerProcessMetrics(metrics, db);
    const readiness: ReadinessCheck[] = [
      { name: 'database', check: async () => (await db.sql`select 1 as ok`, { ok: true, detail: db.kind }) },
      { name: 'migrations', check: async () => ({ ok: await migrationsCurrent(db.sql) }) },
    ];
    const app = createApp({ config, log, metrics, renderer: createRenderer(), readiness, routes: [] });
    const server = await listen(app, { port: config.port, host: config.host });
    log.info('listening', { url: server.url, database: db.kind });
    return {
      url: server.url,
      db,
      async stop() {
        await server.close();
        await db.close();
        log.info('stopped');
      },
    };
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
}

function registerProcessMetrics(metrics: Registry, db: Database) {
  metrics.gauge('shosho_process_memory_bytes', 'Process memory by type', () => {
    const m = process.memoryUsage();
    return [
      { labels: { type: 'rss' }, value: m.rss },
      { labels: { type: 'heap_used' }, value: m.heapUsed },
      { labels: { type: 'external' }, value: m.external },
    ];
  });
  metrics.gauge('shosho_db_pool_max_connections', 'Database pool capacity (PGlite serves one session)', () => [
    { labels: { kind: db.kind }, value: db.maxConnections },
  ]);
}
