import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from './connect.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));
const FILE = /^(\d{3,})_([a-z0-9_]+)\.sql$/;
/** Any fixed number: every instance takes the same transaction-level lock before applying a file. */
const MIGRATION_LOCK = 4_727_001;

export interface Migration {
  file: string;
  version: number;
  name: string;
  checksum: string;
  body: string;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  return files.map((file) => {
    const m = FILE.exec(file);
    if (!m) throw new MigrationError(`migration file ${file} must be named NNN_name.sql`);
    const body = fs.readFileSync(path.join(dir, file), 'utf8');
    return { file, version: Number(m[1]), name: m[2]!, body, checksum: createHash('sha256').update(body).digest('hex') };
  });
}

/**
 * Applies pending migrations in order, each in its own transaction with the lock held, so two
 * instances starting together apply each file once. An applied file whose text changed stops
 * everything: the database no longer matches the code that describes it.
 */
export async function migrate(sql: Sql, dir = MIGRATIONS_DIR): Promise<{ applied: string[] }> {
  const migrations = readMigrations(dir);
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`create table if not exists schema_migrations (
      version integer primary key, name text not null, checksum text not null, applied_at timestamptz not null default now())`;
  });
  const applied: string[] = [];
  for (const m of migrations) {
    const didApply = await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
      const [row] = await tx<{ checksum: string }[]>`select checksum from schema_migrations where version = ${m.version}`;
      if (row) {
        if (row.checksum !== m.checksum) {
          throw new MigrationError(
            `migration ${m.file} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${m.checksum.slice(0, 12)}… on disk); add a new migration instead of editing an applied one`,
          );
        }
        return false;
      }
      await tx`set local statement_timeout = 0`; // building an index on a large table may take longer than any request should
      await tx.unsafe(m.body);
      await tx`insert into schema_migrations (version, name, checksum) values (${m.version}, ${m.name}, ${m.checksum})`;
      return true;
    });
    if (didApply) applied.push(m.file);
  }
  return { applied };
}

/** True when every migration on disk is applied with the same checksum (readiness). */
export async function migrationsCurrent(sql: Sql, dir = MIGRATIONS_DIR, expected: readonly Migration[] = readMigrations(dir)): Promise<boolean> {
  const rows = await sql<{ version: number; checksum: string }[]>`select version, checksum from schema_migrations`;
  const have = new Map(rows.map((r) => [r.version, r.checksum]));
  return expected.every((m) => have.get(m.version) === m.checksum);
}
