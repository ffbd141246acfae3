import { createHash, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOrganisation } from '../src/auth/index.js';
import {
  CONTRACT_STATES,
  countContractStates,
  findContract,
  importContracts,
  ledgerRules,
  listContracts,
  putContract,
  setArchiveContract,
  setLedgerRules,
  withGuarantees,
  type ContractState,
} from '../src/ledger/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

/**
 * The home page's count and the state filter come from states kept per ledger version (sql/061).
 * Whatever sequence of changes is made — through the ledger's functions or straight in SQL, as the
 * feed's ingest and filing write — what they show right after each change equals the SPEC §9 rule
 * applied to what is stored: each contract's page (the rule in TypeScript) and the views computed
 * afresh. Each step first reads the kept states, so a change that failed to move the version would
 * be answered from the states before it.
 */
let db: TestDatabase;
let runs = 0;
/** The organisation of the current run: each starts with every contract complete. */
let ORG = '';
const ISSUER = 'versions-issuer';
const REFERENCES = ['V-1', 'V-2', 'V-3'];
const PRICE = 88_000_000;
const who = { actor: 'versions' };
let nextNumber = 4_000_000_000;

/** One certificate per (contract, kind), its revisions, and which of them the organisation filed. */
interface Certificate {
  number: string;
  kind: 'interim_advance_payment' | 'contract';
  revisions: number;
  filed: Map<number, string>;
}
let certificates: Certificate[] = [];

const terms = (reference: string) => ({
  projectName: `芦田川護岸改修工事${reference}`,
  contractor: { name: '備後建設株式会社' },
  contractPrice: PRICE,
  contractDate: '2024-06-10',
  period: { from: '2024-06-11', to: '2025-02-28' },
  required: ['interim_advance_payment' as const, 'contract' as const],
});

async function received(eventType: string): Promise<string> {
  const jws = randomUUID();
  const [set] = await db.sql<{ id: string }[]>`
    insert into received_sets (issuer_id, jti, jws, jws_sha256, header, claims, event_type, kid, alg, via, verified_at)
    values (${ISSUER}, ${jws}, ${jws}, ${createHash('sha256').update(jws).digest('hex')}, '{}', '{}', ${eventType}, 'k', 'ES256', 'push', now())
    returning id`;
  return set!.id;
}

/** A new revision from the issuer, as the feed's ingest stores it. */
async function issueRevision(c: Certificate, price = PRICE, reference = 'V-1'): Promise<string> {
  const revision = c.revisions++;
  const amount = c.kind === 'contract' ? PRICE / 10 : PRICE / 5;
  const payload = {
    number: c.number,
    kind: c.kind,
    revision,
    revisionType: revision === 0 ? 'new' : 'change',
    issuedOn: '2024-10-01',
    guarantor: { name: '西日本建設業保証株式会社' },
    obligee: { name: '広島県知事', code: '340006' },
    contractor: { name: '備後建設（株）' },
    project: { name: terms(reference).projectName, period: { from: '2024-06-11', to: '2025-02-28' }, contractPrice: price },
    guarantee: { amount, period: { from: '2024-10-01', to: '2025-02-28' }, ...(c.kind === 'contract' ? {} : { advancePayment: amount }) },
  };
  const [rev] = await db.sql<{ id: string }[]>`
    insert into certificate_revisions (issuer_id, number, kind, revision, revision_type, issued_on, payload, auth_key_digest, obligee_code, obligee_name, set_id)
    values (${ISSUER}, ${c.number}, ${c.kind}, ${revision}, ${payload.revisionType}, ${payload.issuedOn}, ${db.sql.json(payload)}, 'x', '340006', '広島県知事',
            ${await received('urn:shosho:certificate')})
    returning id`;
  return rev!.id;
}

/** Files a revision, as filing writes the archive record. */
async function file(c: Certificate, revision: number): Promise<string> {
  const [a] = await db.sql<{ id: string }[]>`
    insert into archive_records (org_id, revision_id, pdf, pdf_sha256, jws_sha256, archived_by, status_when_archived, issuer_id, number, kind,
      revision, revision_type, project_name, contractor, obligee, search_text)
    select ${ORG}, r.id, ${Buffer.from('pdf')}, ${'0'.repeat(64)}, ${'0'.repeat(64)}, 'versions', 'current', r.issuer_id, r.number, r.kind,
      r.revision, r.revision_type, r.payload #>> '{project,name}', r.payload #>> '{contractor,name}', '広島県知事', ''
    from certificate_revisions r where r.issuer_id = ${ISSUER} and r.number = ${c.number} and r.revision = ${revision}
    returning id`;
  c.filed.set(revision, a!.id);
  return a!.id;
}

/** Every state computed afresh from the views, bypassing what is kept. */
async function freshStates(): Promise<Map<string, ContractState>> {
  const rows = await db.sql<{ reference: string; state: ContractState }[]>`
    select c.reference, s.state from contract_states s join contracts c on c.id = s.contract_id where s.org_id = ${ORG}`;
  return new Map(rows.map((r) => [r.reference, r.state]));
}

/** What the home page's count and the state filter show equals the rule applied to what is stored. */
async function expectShownEqualsStored(): Promise<void> {
  const fresh = await freshStates();
  for (const [reference, state] of fresh) {
    expect((await withGuarantees(db.sql, (await findContract(db.sql, ORG, reference))!)).state, reference).toBe(state);
  }
  const counts = await countContractStates(db.sql, ORG);
  for (const state of CONTRACT_STATES) {
    expect(counts[state], state).toBe([...fresh.values()].filter((s) => s === state).length);
    const listed = (await listContracts(db.sql, ORG, { state, limit: 200 })).items;
    expect(listed.map((i) => i.reference).sort(), state).toEqual(
      [...fresh]
        .filter(([, s]) => s === state)
        .map(([r]) => r)
        .sort(),
    );
    expect(listed.every((i) => i.state === state)).toBe(true);
  }
}

const pick = <T>(items: readonly T[], i: number): T => items[i % items.length]!;

/** Each kind of change the states are computed from. */
const CHANGES: Record<string, (i: number) => Promise<unknown>> = {
  /** a change contract: the price moves, so every check of the price now fails (needs_change) or passes again */
  contractPrice: async (i) => {
    const reference = pick(REFERENCES, i);
    const c = (await findContract(db.sql, ORG, reference))!;
    await putContract(db.sql, ORG, reference, { ...terms(reference), contractPrice: c.contractPrice === PRICE ? PRICE + 1 : PRICE }, who);
  },
  contractPeriod: async (i) => {
    const reference = pick(REFERENCES, i);
    const c = (await findContract(db.sql, ORG, reference))!;
    await putContract(
      db.sql,
      ORG,
      reference,
      { ...terms(reference), contractPrice: c.contractPrice, period: { from: '2024-06-11', to: c.period.to === '2025-02-28' ? '2025-03-31' : '2025-02-28' } },
      who,
    );
  },
  contractRequired: async (i) => {
    const reference = pick(REFERENCES, i);
    const c = (await findContract(db.sql, ORG, reference))!;
    await putContract(
      db.sql,
      ORG,
      reference,
      { ...terms(reference), contractPrice: c.contractPrice, period: c.period, required: c.required.length === 2 ? ['contract'] : terms(reference).required },
      who,
    );
  },
  importCsv: async (i) => {
    const reference = pick(REFERENCES, i);
    const c = (await findContract(db.sql, ORG, reference))!;
    const price = c.contractPrice === PRICE ? PRICE + 1 : PRICE;
    const csv = `契約番号,工事名,受注者,請負代金額,契約日,工期開始,工期終了,必要な保証\n${reference},${terms(reference).projectName},備後建設株式会社,${price},2024-06-10,2024-06-11,${c.period.to},中間前払金保証;契約保証\n`;
    expect((await importContracts(db.sql, ORG, Buffer.from(csv), who)).errors).toEqual([]);
  },
  unlink: async (i) => {
    const c = pick(certificates, i);
    const top = Math.max(...c.filed.keys());
    await setArchiveContract(db.sql, ORG, c.filed.get(top)!, null, who);
  },
  link: async (i) => {
    const c = pick(certificates, i);
    const top = Math.max(...c.filed.keys());
    await setArchiveContract(db.sql, ORG, c.filed.get(top)!, pick(REFERENCES, i), who);
  },
  /** the issuer sends a higher revision the organisation has not filed (needs_change) */
  revision: (i) => issueRevision(pick(certificates, i)),
  /** the organisation files the highest revision, linked by hand */
  fileHighest: async (i) => {
    const c = pick(certificates, i);
    const top = c.revisions - 1;
    if (!c.filed.has(top)) await file(c, top);
    await setArchiveContract(db.sql, ORG, c.filed.get(top)!, pick(REFERENCES, Math.floor(certificates.indexOf(c) / 2)), who);
  },
  /** filing alone: a higher revision filed but not linked is no longer an unfiled one */
  fileOnly: async (i) => {
    const c = pick(certificates, i);
    if (!c.filed.has(c.revisions - 1)) await file(c, c.revisions - 1);
  },
  withdrawal: async (i) => {
    const c = pick(certificates, i);
    const exists =
      await db.sql`select 1 from withdrawals where issuer_id = ${ISSUER} and number = ${c.number} and kind = ${c.kind} and revision = ${c.revisions - 1}`;
    if (exists.length) await issueRevision(c);
    await db.sql`insert into withdrawals (issuer_id, number, kind, revision, reason, withdrawn_on, set_id)
      values (${ISSUER}, ${c.number}, ${c.kind}, ${c.revisions - 1}, ${i % 2 ? 'cancelled' : 'issued_in_error'}, '2025-01-10', ${await received('urn:shosho:certificate-withdrawn')})`;
  },
  /** the organisation's ratio: 15% makes a 契約保証 of exactly 10% fail */
  rules: async () => setLedgerRules(db.sql, ORG, { contractGuaranteeRatio: (await ledgerRules(db.sql, ORG)).contractGuaranteeBp === 1000 ? 0.15 : 0.1 }),
  /** the obligee the organisation answers for: without it every linked certificate fails contract-obligee */
  obligee: async () => {
    const deleted = await db.sql`delete from organisation_obligees where org_id = ${ORG} and code = '340006' returning 1`;
    if (!deleted.length) await db.sql`insert into organisation_obligees (org_id, code) values (${ORG}, '340006')`;
  },
  /** a change rolled back changes nothing shown */
  rolledBack: async (i) => {
    await db.sql
      .begin(async (tx) => {
        await tx`update contracts set contract_price = contract_price + 1 where org_id = ${ORG} and reference = ${pick(REFERENCES, i)}`;
        await countContractStates(tx, ORG);
        throw new Error('rolled back');
      })
      .catch((e: Error) => expect(e.message).toBe('rolled back'));
  },
};

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into issuers (id, iss, name, jwks_inline) values (${ISSUER}, 'https://versions.example', 'versions', '{"keys":[]}')`;
});

/** A new organisation: three contracts, each with both its guarantees filed, linked and ok. */
async function freshLedger(): Promise<void> {
  ORG = `versions${++runs}`;
  certificates = [];
  await addOrganisation(db.sql, { id: ORG, name: `版${runs}`, obligees: [{ code: '340006', name: null }] });
  for (const reference of REFERENCES) {
    await putContract(db.sql, ORG, reference, terms(reference), who);
    for (const kind of ['interim_advance_payment', 'contract'] as const) {
      const c: Certificate = { number: String(nextNumber++), kind, revisions: 0, filed: new Map() };
      certificates.push(c);
      await issueRevision(c, PRICE, reference);
      await setArchiveContract(db.sql, ORG, await file(c, 0), reference, who);
    }
  }
  await expectShownEqualsStored();
  expect((await countContractStates(db.sql, ORG)).complete).toBe(REFERENCES.length);
}
afterAll(async () => {
  await db?.drop();
});

describe('the count and the state filter right after each kind of change', () => {
  it('equal the rule applied to what is stored', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...Object.keys(CHANGES)), fc.nat(20)), { minLength: 1, maxLength: 6 }), async (steps) => {
        await freshLedger();
        for (const [change, i] of steps) {
          await CHANGES[change]!(i);
          await expectShownEqualsStored();
        }
      }),
      {
        numRuns: 30,
        // every kind of change from a ledger where every contract is complete, and filing or withdrawing a revision just received
        examples: [
          ...Object.keys(CHANGES).flatMap((change) => [[[[change, 0]]], [[[change, 1]]]] as Array<[Array<[string, number]>]>),
          [
            [
              ['revision', 0],
              ['fileOnly', 0],
            ],
          ],
          [
            [
              ['revision', 1],
              ['withdrawal', 1],
            ],
          ],
          [
            [
              ['revision', 2],
              ['withdrawal', 0],
            ],
          ],
        ],
      },
    );
  }, 300_000);

  it('each kind of change moves the ledger version, and one rolled back does not', async () => {
    await freshLedger();
    const version = async () => (await db.sql<{ version: string }[]>`select version from ledger_versions where org_id = ${ORG}`)[0]!.version;
    for (const [name, change] of Object.entries(CHANGES)) {
      // filing needs a revision not yet filed, unlinking a link
      if (['fileHighest', 'fileOnly'].includes(name)) await CHANGES.revision!(1);
      if (name === 'unlink') await CHANGES.link!(1);
      const before = await version();
      await change(1);
      if (name === 'rolledBack') expect(await version(), name).toBe(before);
      else expect(await version(), name).not.toBe(before);
    }
  }, 60_000);
});
