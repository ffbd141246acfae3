import { migrate, openDatabase } from '../db/index.js';
import { startService } from '../service/index.js';
import type { Command } from './commands.js';

export const serveCommand: Command = async (_args, { config, log }) => {
  const service = await startService(config, log);
  process.stdout.write(`shosho: ${service.url}\n`);
  await untilSignalled();
  await service.stop();
  return 0;
};

export const migrateCommand: Command = async (_args, { config, log }) => {
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, limits: config.databaseLimits, log });
  try {
    const { applied } = await migrate(db.sql);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'already up to date\n');
    return 0;
  } finally {
    await db.close();
  }
};

/** Resolves on the first SIGTERM or SIGINT; a second one ends the process at once. */
export function untilSignalled(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.once(signal, () => process.exit(130));
      resolve(signal);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
