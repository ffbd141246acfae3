import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalize, parseAuthKey, parseNumber, revisionStatus, type RevisionFacts } from '../src/domain/index.js';
import { searchArchive } from '../src/archive/index.js';
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

describe('revision status: the SQL function, the archive filter and the domain rule agree', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.sql`insert into issuers (id, iss, name, jwks_uri) values ('i', 'https://i.example', 'I', 'https://i.example/jwks')`;
    await db.sql`insert into organisations (id, name) values ('prop', 'property')`;
  });
  afterAll(() => db?.drop());

  it('property: for random sets of revisions and withdrawals, revision_status() equals revisionStatus()', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.nat(5), { minLength: 1, maxLength: 5 }),
        fc.array(fc.tuple(fc.nat(6), fc.constantFrom('cancelled', 'issued_in_error') as fc.Arbitrary<'cancelled' | 'issued_in_error'>), { maxLength: 3 }),
        async (revisions, withdrawals) => {
          const number = String(3_000_000_000 + n++);
          const ws = new Map(withdrawals.map(([r, reason]) => [r, reason]));
          await db.sql.begin(async (tx) => {
            for (const r of [...revisions, ...ws.keys()]) {
              const [set] = await tx`insert into received_sets (issuer_id, jti, jws, jws_sha256, header, claims, event_type, kid, alg, via, verified_at)
              values ('i', ${`${number}-${r}-${Math.random()}`}, 'x', ${'0'.repeat(64)}, '{}', '{}', 'e', 'k', 'ES256', 'push', now()) returning id`;
              if (revisions.includes(r) && !(await tx`select 1 from certificate_revisions where number = ${number} and revision = ${r}`).length) {
                const [rev] =
                  await tx`insert into certificate_revisions (issuer_id, number, kind, revision, revision_type, issued_on, payload, auth_key_digest, obligee_name, set_id)
                values ('i', ${number}, 'contract', ${r}, ${r === 0 ? 'new' : 'change'}, ${`2024-01-0${r + 1}`}, ${tx.json({ guarantee: { amount: 1_000_000, period: { from: '2024-04-01', to: '2025-03-31' } } })}, 'd', 'o', ${set!.id}) returning id`;
                await tx`insert into archive_records (org_id, revision_id, pdf, pdf_sha256, jws_sha256, archived_by, status_when_archived, issuer_id,
                  number, kind, revision, revision_type, project_name, contractor, obligee, search_text)
                values ('prop', ${rev!.id}, '\\x00', ${'0'.repeat(64)}, ${'0'.repeat(64)}, 'test', 'current', 'i', ${number}, 'contract', ${r},
                  ${r === 0 ? 'new' : 'change'}, 'p', 'c', 'o', ${number})`;
              } else if (ws.has(r) && !(await tx`select 1 from withdrawals where number = ${number} and revision = ${r}`).length) {
                await tx`insert into withdrawals (issuer_id, number, kind, revision, reason, withdrawn_on, set_id)
                values ('i', ${number}, 'contract', ${r}, ${ws.get(r)!}, '2024-12-01', ${set!.id})`;
              }
            }
          });
          const facts: RevisionFacts[] = [...new Set([...revisions, ...ws.keys()])].map((r) => ({
            revision: r,
            issuedOn: revisions.includes(r) ? `2024-01-0${r + 1}` : '',
            withdrawal: ws.has(r) ? { reason: ws.get(r)!, withdrawnOn: '2024-12-01' } : null,
          }));
          for (const r of revisions) {
            const [row] = await db.sql`select revision_status('i', ${number}, 'contract', ${r}) as s`;
            expect(row!.s).toBe(revisionStatus(facts.find((f) => f.revision === r)!, facts).status);
          }
        },
      ),
      { numRuns: 60 },
    );
    // the archive's status filter (semi-joins) picks exactly the records revision_status() names
    const all = await db.sql<{ id: string; s: string }[]>`select id, revision_status(issuer_id, number, kind, revision) as s from archive_records`;
    for (const status of ['current', 'superseded', 'withdrawn'] as const) {
      const found: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await searchArchive(db.sql, 'prop', { status, limit: 200, cursor });
        found.push(...page.items.map((r) => r.id));
        cursor = page.next ?? undefined;
      } while (cursor);
      expect(found.sort()).toEqual(
        all
          .filter((r) => r.s === status)
          .map((r) => r.id)
          .sort(),
      );
    }
  });
});
