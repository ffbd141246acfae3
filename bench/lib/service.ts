import fs from 'node:fs';
import path from 'node:path';
import { ROOT, spawnChild, tempDir, type Child } from './child.js';
import type { BenchDatabase } from './db.js';
import { AUDIENCE } from './fixtures.js';

/** The node flags `npm start` runs the service with (package.json), so that a bench measures the service as it is run. */
export const SERVICE_NODE_FLAGS: readonly string[] = startScriptFlags();

function startScriptFlags(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [command, ...words] = pkg.scripts.start.split(/\s+/);
  if (command !== 'node') throw new Error(`package.json's start script does not run node: ${pkg.scripts.start}`);
  return words.slice(
    0,
    words.findIndex((w) => !w.startsWith('--')),
  );
}

/**
 * The service (bench/lib/service-child.ts) on `db` in a process of its own: a free loopback port, a
 * data folder of its own, the feed polled once an hour, LOG_LEVEL or info; `env` adds to that or
 * overrides it. `label` names its log, `proto` the prototypes of src/ changes it runs with,
 * `nodeArgs` the node flags in place of SERVICE_NODE_FLAGS.
 */
export function spawnService(
  db: BenchDatabase,
  opts: { label: string; env?: Record<string, string>; proto?: string[]; nodeArgs?: readonly string[] },
): Promise<Child> {
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
    { label: opts.label, proto: opts.proto, nodeArgs: [...(opts.nodeArgs ?? SERVICE_NODE_FLAGS)] },
  );
}
