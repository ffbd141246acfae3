import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEPT_ORGANISATIONS, organisationStates } from '../src/ledger/organisation-states.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

/**
 * The states kept per ledger version are bounded: at most KEPT_ORGANISATIONS organisations, the
 * least recently used dropped first. What is kept is observed by identity: while kept, the same
 * computed object comes back; once dropped, it is computed afresh.
 */
let db: TestDatabase;
const org = (i: number) => `kept-${i}`;

beforeAll(async () => {
  db = await createTestDatabase();
  const ids = Array.from({ length: KEPT_ORGANISATIONS + 1 }, (_, i) => org(i));
  await db.sql`insert into organisations (id, name) select id, id from unnest(${ids}::text[]) as id`;
  await db.sql`insert into ledger_versions (org_id) select id from unnest(${ids}::text[]) as id`;
});
afterAll(() => db?.drop());

describe('states kept per ledger version', () => {
  it('keeps the most recently used organisations up to the bound and computes a dropped one afresh', async () => {
    const first = new Map<number, unknown>();
    for (let i = 0; i < KEPT_ORGANISATIONS; i++) first.set(i, await organisationStates(db.sql, org(i)));
    // all within the bound: each is kept
    for (let i = 0; i < KEPT_ORGANISATIONS; i++) expect(await organisationStates(db.sql, org(i))).toBe(first.get(i));
    // org 0 used again, so org 1 is now the least recently used: one more organisation drops it, not org 0
    await organisationStates(db.sql, org(0));
    await organisationStates(db.sql, org(KEPT_ORGANISATIONS));
    expect(await organisationStates(db.sql, org(0))).toBe(first.get(0));
    expect(await organisationStates(db.sql, org(1))).not.toBe(first.get(1));
    expect(await organisationStates(db.sql, org(1))).toEqual(first.get(1));
  });
});
