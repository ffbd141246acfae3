/**
 * The real service, as `shosho serve` composes it, in a process of its own so the load generator
 * does not share its event loop. Configured by the environment (DATABASE_URL, PORT=0, …); prints
 * `READY {"url":…}` once listening; stops gracefully on SIGTERM.
 */
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log/index.js';
import { startService } from '../../src/service/index.js';

const config = loadConfig(process.env);
const log = createLogger(config.logLevel);
const service = await startService(config, log);
process.stdout.write(`READY ${JSON.stringify({ url: service.url, pid: process.pid })}\n`);
await new Promise<void>((resolve) => {
  process.once('SIGTERM', () => resolve());
  process.once('SIGINT', () => resolve());
});
await service.stop();
process.exit(0);
