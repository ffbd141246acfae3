import { migrate, openDatabase, type Database } from '../db/index.js';
import type { CommandContext } from './commands.js';

/** Opens the configured database, brings it up to date, runs `fn`, and always closes it. */
export async function withDatabase<T>(ctx: CommandContext, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({ url: ctx.config.databaseUrl, dataDir: ctx.config.dataDir, poolMax: 2, limits: ctx.config.databaseLimits, log: ctx.log });
  try {
    await migrate(db.sql);
    return await fn(db);
  } finally {
    await db.close();
  }
}
