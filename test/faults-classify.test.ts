import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asDatabaseUnavailable, DatabaseUnavailable } from '../src/db/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
});
afterAll(async () => {
  await db?.drop();
});

const caught = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );

describe('which errors mean "the database is out of reach" (503) and which do not', () => {
  it('a statement cut by statement_timeout is; a constraint violation or a syntax error is not', async () => {
    const timedOut = await caught(
      db.sql.begin(async (tx) => {
        await tx`set local statement_timeout = 50`;
        await tx`select pg_sleep(2)`;
      }),
    );
    expect(asDatabaseUnavailable(timedOut)).toBeInstanceOf(DatabaseUnavailable);
    await db.sql`create table t (id int primary key)`;
    await db.sql`insert into t values (1)`;
    expect(asDatabaseUnavailable(await caught(db.sql`insert into t values (1)`))).toBeNull();
    expect(asDatabaseUnavailable(await caught(db.sql`selec 1`))).toBeNull();
  });

  it('a connection refused to the database is; the same refusal from an HTTP fetch is not', async () => {
    const postgres = (await import('postgres')).default;
    const nowhere = postgres('postgres://postgres@127.0.0.1:1/none', { max: 1, connect_timeout: 2, onnotice: () => {} });
    expect(asDatabaseUnavailable(await caught(nowhere`select 1`))).toBeInstanceOf(DatabaseUnavailable);
    await nowhere.end({ timeout: 0 });
    expect(asDatabaseUnavailable(await caught(fetch('http://127.0.0.1:1/')))).toBeNull();
    expect(asDatabaseUnavailable(new Error('anything else'))).toBeNull();
  });
});
