import { createHash, randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { migrate, readMigrations } from '../../src/db/index.js';

export const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

export interface TestDatabase {
  url: string;
  name: string;
  sql: postgres.Sql;
  drop(): Promise<void>;
}

const admin = () => postgres(`${PG_URL}/postgres`, { max: 1, onnotice: () => {} });

/**
 * A fresh database for one test file, copied from a template that holds the current migrations
 * (made once per migration set, under a lock so parallel test files do not race to make it).
 */
export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `shosho_test_${randomBytes(6).toString('hex')}`;
  const a = admin();
  try {
    if (opts.migrated === false) {
      await a.unsafe(`create database ${name}`);
    } else {
      const template = await ensureTemplate(a);
      await a.unsafe(`create database ${name} template ${template}`);
    }
  } finally {
    await a.end();
  }
  const url = `${PG_URL}/${name}`;
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  return {
    url,
    name,
    sql,
    async drop() {
      await sql.end({ timeout: 1 });
      const b = admin();
      await b.unsafe(`drop database if exists ${name} with (force)`);
      await b.end();
    },
  };
}

async function ensureTemplate(a: postgres.Sql): Promise<string> {
  const digest = createHash('sha256')
    .update(
      readMigrations()
        .map((m) => m.checksum)
        .join(),
    )
    .digest('hex')
    .slice(0, 16);
  const template = `shosho_tpl_${digest}`;
  await a`select pg_advisory_lock(4727900)`;
  try {
    const [exists] = await a`select 1 from pg_database where datname = ${template}`;
    if (!exists) {
      await a.unsafe(`create database ${template}`);
      const t = postgres(`${PG_URL}/${template}`, { max: 1, onnotice: () => {} });
      try {
        await migrate(t);
      } catch (e) {
        await t.end();
        await a.unsafe(`drop database ${template}`);
        throw e;
      }
      await t.end();
    }
  } finally {
    await a`select pg_advisory_unlock(4727900)`;
  }
  return template;
}
