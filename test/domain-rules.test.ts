import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalize, parseAuthKey, parseNumber, revisionStatus, type RevisionFacts } from '../src/domain/index.js';
import { searchArchive, searchArchivePage, type ArchiveSearchOptions } from '../src/archive/index.js';
import { migrate, MIGRATIONS_DIR } from '../src/db/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

const toFullWidth = (s: string) => [...s].map((ch) => (/[0-9A-Za-z]/.test(ch) ? String.fromCharCode(ch.charCodeAt(0) + 0xfee0) : ch)).join('');
const DASHES = ['-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\u30fc', '\uff70', '\uff0d'];
const SPACES = [' ', '\u3000', '\t'];

describe('canonical number and auth key (SPEC §2)', () => {
  it('property: full-width, lower case, dashes and spaces anywhere canonicalise to the same ASCII form', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9A-Z]{6,32}$/),
        fc.array(fc.tuple(fc.nat(40), fc.constantFrom(...DASHES, ...SPACES))),
        fc.boolean(),
        fc.boolean(),
        (key, inserts, wide, lower) => {
          let typed = lower ? key.toLowerCase() : key;
          if (wide) typed = toFullWidth(typed);
          for (const [at, sep] of inserts) typed = typed.slice(0, at) + sep + typed.slice(at);
          expect(canonicalize(typed)).toBe(key);
          expect(parseAuthKey(typed)).toEqual({ ok: true, value: key });
        },
      ),
    );
  });

  it('property: anything that is not 6 to 20 digits and capitals after canonicalising is malformed, never a number', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        const parsed = parseNumber(s);
        if (parsed.ok) expect(parsed.value).toMatch(/^[0-9A-Z]{6,20}$/);
        else expect(canonicalize(s)).not.toMatch(/^[0-9A-Z]{6,20}$/);
      }),
    );
  });

  it.each([
    ['２０７０ー００４４２６', '2070004426'],
    ['2070-004426', '2070004426'],
    ['2070　004426', '2070004426'],
    // an insurer's 証券番号 is 6 to 20 digits and capitals: only the kind tells whether 10 digits are required
    ['207000442', '207000442'],
    ['2070O04426', '2070O04426'],
    ['ｐｂ２０２５ー０１２３　４', 'PB202501234'],
    ['12345', null],
    ['PB2025012345678901234', null],
    ['2070_004426', null],
  ])('%s → %s', (input, expected) => {
    const p = parseNumber(input);
    expect(p.ok ? p.value : null).toBe(expected);
  });
});

type Reason = 'cancelled' | 'issued_in_error';
type Tx = postgres.Sql | postgres.TransactionSql;
const ORGS = ['north', 'south'] as const;
const REASONS: Reason[] = ['cancelled', 'issued_in_error'];

async function receivedSet(tx: Tx): Promise<string> {
  const [set] = await tx<[{ id: string }]>`insert into received_sets (issuer_id, jti, jws, jws_sha256, header, claims, event_type, kid, alg, via, verified_at)
    values ('i', ${randomUUID()}, 'x', ${'0'.repeat(64)}, '{}', '{}', 'e', 'k', 'ES256', 'push', now()) returning id`;
  return set.id;
}

/** Stores the revision unless it is stored already; its id. */
async function storeRevision(tx: Tx, number: string, kind: string, revision: number): Promise<string> {
  const [stored] = await tx<{ id: string }[]>`select id from certificate_revisions where number = ${number} and kind = ${kind} and revision = ${revision}`;
  if (stored) return stored.id;
  const [rev] = await tx<[{ id: string }]>`
    insert into certificate_revisions (issuer_id, number, kind, revision, revision_type, issued_on, payload, auth_key_digest, obligee_name, set_id)
    values ('i', ${number}, ${kind}, ${revision}, ${revision === 0 ? 'new' : 'change'}, ${`2024-01-0${revision + 1}`},
      ${tx.json({ guarantee: { amount: 1_000_000, period: { from: '2024-04-01', to: '2025-03-31' } } })}, 'd', 'o', ${await receivedSet(tx)}) returning id`;
  return rev.id;
}

/** Files the revision (stored first if it is not yet) in the organisation's archive on the given day, JST 09:00. */
async function file(tx: Tx, orgId: string, number: string, kind: string, revision: number, day: string): Promise<void> {
  const revisionId = await storeRevision(tx, number, kind, revision);
  await tx`insert into archive_records (org_id, revision_id, pdf, pdf_sha256, jws_sha256, archived_at, archived_by, status_when_archived, issuer_id,
      number, kind, revision, revision_type, project_name, contractor, obligee, search_text)
    values (${orgId}, ${revisionId}, '\\x00', ${'0'.repeat(64)}, ${'0'.repeat(64)}, ${`${day}T00:00:00Z`}, 'test', 'current', 'i', ${number}, ${kind},
      ${revision}, ${revision === 0 ? 'new' : 'change'}, 'p', 'c', 'o', ${number})
    on conflict do nothing`;
}

async function withdraw(tx: Tx, number: string, kind: string, revision: number, reason: Reason): Promise<void> {
  await tx`insert into withdrawals (issuer_id, number, kind, revision, reason, withdrawn_on, set_id)
    values ('i', ${number}, ${kind}, ${revision}, ${reason}, '2024-12-01', ${await receivedSet(tx)})
    on conflict do nothing`;
}

describe('revision status: the SQL function, the archive filter and the domain rule agree', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.sql`insert into issuers (id, iss, name, jwks_uri) values ('i', 'https://i.example', 'I', 'https://i.example/jwks')`;
    await db.sql`insert into organisations (id, name) values ('north', 'north'), ('south', 'south')`;
  });
  afterAll(() => db?.drop());

  it('property: for revisions, filings and withdrawals in any order, revision_status() equals revisionStatus()', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.nat(5), { minLength: 1, maxLength: 5 }),
        fc.array(fc.tuple(fc.nat(6), fc.constantFrom(...REASONS)), { maxLength: 3 }),
        fc.constantFrom('contract', 'advance_payment'),
        // which organisations file each revision, on which of four days
        fc.array(fc.tuple(fc.subarray([...ORGS]), fc.nat(3)), { minLength: 5, maxLength: 5 }),
        // the order in which the steps arrive: a filing stores its revision first if it has not arrived
        fc.array(fc.nat(1000), { minLength: 20, maxLength: 20 }),
        async (revisions, withdrawals, kind, filings, arrival) => {
          const number = String(3_000_000_000 + n++);
          const ws = new Map(withdrawals.map(([r, reason]) => [r, reason]));
          const steps: Array<(tx: Tx) => Promise<unknown>> = [
            ...revisions.map((r) => (tx: Tx) => storeRevision(tx, number, kind, r)),
            ...revisions.flatMap((r, k) => filings[k]![0].map((org) => (tx: Tx) => file(tx, org, number, kind, r, `2024-06-0${filings[k]![1] + 1}`))),
            ...[...ws].map(
              ([r, reason]) =>
                (tx: Tx) =>
                  withdraw(tx, number, kind, r, reason),
            ),
          ];
          const ordered = steps.map((step, k) => ({ step, at: arrival[k % arrival.length]! + k / 100 })).sort((a, b) => a.at - b.at);
          await db.sql.begin(async (tx) => {
            for (const { step } of ordered) await step(tx);
          });
          const facts: RevisionFacts[] = [...new Set([...revisions, ...ws.keys()])].map((r) => ({
            revision: r,
            issuedOn: revisions.includes(r) ? `2024-01-0${r + 1}` : '',
            withdrawal: ws.has(r) ? { reason: ws.get(r)!, withdrawnOn: '2024-12-01' } : null,
          }));
          for (const r of revisions) {
            const [row] = await db.sql`select revision_status('i', ${number}, ${kind}, ${r}) as s`;
            expect(row!.s).toBe(revisionStatus(facts.find((f) => f.revision === r)!, facts).status);
          }
        },
      ),
      { numRuns: 80 },
    );
    const all = await db.sql<{ id: string; org_id: string; number: string; kind: string; archived_at: Date; s: string }[]>`
      select id, org_id, number, kind, archived_at, revision_status(issuer_id, number, kind, revision) as s from archive_records
      order by archived_at desc, id desc`;
    // the withdrawn records the database keeps are exactly those revision_status() names
    const kept = await db.sql<{ archive_record_id: string }[]>`select archive_record_id from archive_withdrawn`;
    expect(kept.map((r) => r.archive_record_id).sort()).toEqual(
      all
        .filter((r) => r.s === 'withdrawn')
        .map((r) => r.id)
        .sort(),
    );
    // the archive's status filter picks them, each organisation's own, with every other filter, page by page
    const searches: Array<[ArchiveSearchOptions, (r: (typeof all)[number]) => boolean]> = [
      [{}, () => true],
      [{ kind: 'contract' }, (r) => r.kind === 'contract'],
      [{ from: '2024-06-02', to: '2024-06-03' }, (r) => r.archived_at >= new Date('2024-06-02T00:00:00Z') && r.archived_at <= new Date('2024-06-03T00:00:00Z')],
      [{ q: '300000001' }, (r) => r.number.startsWith('300000001')],
      [{ changed: '1' }, (r) => r.s !== 'current'],
    ];
    for (const org of ORGS) {
      for (const status of ['current', 'superseded', 'withdrawn'] as const) {
        for (const [search, matches] of searches) {
          const expected = all.filter((r) => r.org_id === org && r.s === status && matches(r)).map((r) => r.id);
          const paged: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await searchArchive(db.sql, org, { ...search, status, limit: 7, cursor });
            paged.push(...page.items.map((r) => r.id));
            cursor = page.next ?? undefined;
          } while (cursor);
          const numbered: string[] = [];
          for (let page = 1, pages = 1; page <= pages; page++) {
            const list = await searchArchivePage(db.sql, org, { ...search, status, limit: 7 }, page);
            expect(list.total).toBe(expected.length);
            numbered.push(...list.items.map((r) => r.id));
            pages = list.total === 0 ? 0 : list.pages;
          }
          expect({ org, status, search, paged, numbered }).toEqual({ org, status, search, paged: expected, numbered: expected });
        }
      }
    }
  });

  it('a withdrawal and a filing of the same certificate in concurrent transactions: the record is withdrawn whichever stores first', async () => {
    const [withdrawing, filing] = await Promise.all([db.sql.reserve(), db.sql.reserve()]);
    try {
      for (const [number, first, second] of [
        ['3100000001', withdrawing, filing],
        ['3100000002', filing, withdrawing],
      ] as const) {
        await storeRevision(db.sql, number, 'contract', 0);
        const step = (c: postgres.ReservedSql) =>
          c === withdrawing ? withdraw(c, number, 'contract', 0, 'cancelled') : file(c, 'north', number, 'contract', 0, '2024-07-01');
        await first`begin`;
        await second`begin`;
        await step(first);
        // the second waits for the first to commit and then sees its row
        const waiting = step(second);
        await first`commit`;
        await waiting;
        await second`commit`;
        const [kept] = await db.sql`select 1 from archive_withdrawn w join archive_records a on a.id = w.archive_record_id where a.number = ${number}`;
        expect({ number, kept: Boolean(kept) }).toEqual({ number, kept: true });
      }
    } finally {
      withdrawing.release();
      filing.release();
    }
  });

  it('the migration that brings archive_withdrawn fills it with the records withdrawn before it', async () => {
    const before = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-sql-'));
    for (const f of fs.readdirSync(MIGRATIONS_DIR).filter((f) => f < '080_archive_withdrawn.sql')) {
      fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(before, f));
    }
    const old = await createTestDatabase({ migrated: false });
    try {
      await migrate(old.sql, before);
      await old.sql`insert into issuers (id, iss, name, jwks_uri) values ('i', 'https://i.example', 'I', 'https://i.example/jwks')`;
      await old.sql`insert into organisations (id, name) values ('north', 'north'), ('south', 'south')`;
      // cancelled before filing; its own withdrawal after; issued in error of a later revision; untouched
      await withdraw(old.sql, '3200000001', 'contract', 1, 'cancelled');
      for (const r of [0, 1, 2]) await file(old.sql, 'north', '3200000001', 'contract', r, '2024-06-01');
      await file(old.sql, 'south', '3200000002', 'contract', 0, '2024-06-01');
      await withdraw(old.sql, '3200000002', 'contract', 0, 'issued_in_error');
      for (const r of [0, 1]) await file(old.sql, 'north', '3200000003', 'contract', r, '2024-06-01');
      await withdraw(old.sql, '3200000003', 'contract', 1, 'issued_in_error');
      await file(old.sql, 'north', '3200000004', 'contract', 0, '2024-06-01');
      await migrate(old.sql);
      const kept = await old.sql`select a.org_id, a.number, a.revision from archive_withdrawn w join archive_records a on a.id = w.archive_record_id
        order by a.number, a.revision`;
      const named = await old.sql`select org_id, number, revision from archive_records where revision_status(issuer_id, number, kind, revision) = 'withdrawn'
        order by number, revision`;
      expect(kept).toEqual(named);
      expect(kept.map((r) => `${r.org_id} ${r.number} ${r.revision}`)).toEqual([
        'north 3200000001 0',
        'north 3200000001 1',
        'north 3200000001 2',
        'south 3200000002 0',
        'north 3200000003 1',
      ]);
    } finally {
      await old.drop();
      fs.rmSync(before, { recursive: true });
    }
  });
});
