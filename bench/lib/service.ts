import { spawnChild, tempDir, type Child } from './child.js';
import type { BenchDatabase } from './db.js';
import { AUDIENCE } from './fixtures.js';

/**
 * The service (bench/lib/service-child.ts) on `db` in a process of its own: a free loopback port, a
 * data folder of its own, the feed polled once an hour, LOG_LEVEL or info; `env` adds to that or
 * overrides it. `label` names its log, `proto` the prototypes of src/ changes it runs with.
 */
export function spawnService(db: BenchDatabase, opts: { label: string; env?: Record<string, string>; proto?: string[] }): Promise<Child> {
  return spawnChild(
    'bench/lib/service-child.ts',
    {
      DATABASE_URL: db.url,
      PORT: '0',
      HOST: '127.0.0.1',
      SHOSHO_AUDIENCE: AUDIENCE,
      SHOSHO_POLL_INTERVAL_SECONDS: '3600',
      SHOSHO_DATA_DIR: tempDir('data'),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      ...opts.env,
    },
    { label: opts.label, proto: opts.proto },
  );
}
