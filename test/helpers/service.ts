import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { startService, type RunningService } from '../../src/service/index.js';
import type { TestDatabase } from './db.js';

export const AUDIENCE = 'https://shosho.test.example';

/** The real service (the same composition as `shosho serve`) on a test database and a free port. */
export async function startTestService(db: TestDatabase, env: Record<string, string> = {}): Promise<RunningService & { config: Config }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-svc-'));
  const config = loadConfig({
    DATABASE_URL: db.url,
    PORT: '0',
    SHOSHO_AUDIENCE: AUDIENCE,
    SHOSHO_DATA_DIR: dataDir,
    SHOSHO_POLL_INTERVAL_SECONDS: '3600',
    SHOSHO_PDF_WARMUP: 'false',
    ...env,
  });
  const service = await startService(config, silentLogger);
  return { ...service, config };
}
