import fs from 'node:fs';
import path from 'node:path';
import { ROOT, spawnChild, tempDir, type Child } from './child.js';
import type { BenchDatabase } from './db.js';
import { AUDIENCE } from './fixtures.js';

/** The node flags of the `shosho` command's first line, which `npm start` runs, so that a bench measures the service as it is run. */
export const SERVICE_NODE_FLAGS: readonly string[] = shebangFlags();

function shebangFlags(): string[] {
  const [first] = fs.readFileSync(path.join(ROOT, 'bin', 'shosho.cjs'), 'utf8').split('\n', 1);
  const flags = /^#!\/usr\/bin\/env -S node((?: --\S+)*)$/.exec(first!);
  if (!flags) throw new Error(`bin/shosho.cjs does not start with "#!/usr/bin/env -S node [flags]": ${first}`);
  return flags[1]!.split(' ').filter(Boolean);
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
