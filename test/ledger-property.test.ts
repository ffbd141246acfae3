import { createHash, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOrganisation } from '../src/auth/index.js';
import {
  contractState,
  countContractStates,
  guaranteeState,
  listContracts,
  listGuaranteeStates,
  putContract,
  REQUIREMENTS,
  setArchiveContract,
  setLedgerRules,
  withGuarantees,
  type GuaranteeState,
  type Requirement,
} from '../src/ledger/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

/**
 * The state a person is shown — on a contract's page (computed in TypeScript through the check
 * runner), in the list, the home page's count and the state filter (the contract_guarantee_states
 * and contract_states views) — always equals the SPEC §9 rule applied to what is stored, here
 * computed from the generated model itself.
 */
let db: TestDatabase;
let run = 0;
let numbers = 3_000_000_000;

const ISSUER = 'prop-issuer';
const addDays = (iso: string, days: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into issuers (id, iss, name, jwks_inline) values (${ISSUER}, 'https://prop.example', 'prop', '{"keys":[]}')`;
});
afterAll(async () => {
  await db?.drop();
});

/** Every value sits exactly on its boundary, but for at most one fault: a boundary mutation shows up whenever `fault` is none. */
const FAULTS = [
  'none',
  'none',
  'none',
  'amountUnder',
  'amountOver',
  'advanceUnequal',
  'periodShort',
  'periodLong',
  'price',
  'contractor',
  'project',
  'obligee',
] as const;
const certificateModel = fc.record({
  revisions: fc.integer({ min: 1, max: 3 }),
  filed: fc.array(fc.constantFrom(true, true, false), { minLength: 3, maxLength: 3 }),
  linkHighestFiled: fc.constantFrom(true, true, true, false),
  fault: fc.constantFrom(...FAULTS),
  nameStyle: fc.constantFrom('plain', 'variant'),
  withdrawal: fc.constantFrom('none', 'none', 'none', 'none', 'error-top', 'cancelled'),
  issuedOffset: fc.constantFrom(-1, 0, 1),
});

const model = fc.record({
  price: fc.constantFrom(1000, 88_000_000, 12_345_678),
  ratios: fc.record({ contract: fc.constantFrom(0.1, 0.15), advance: fc.constantFrom(0.4, 0.3), interim: fc.constantFrom(0.2, 0.25) }),
  required: fc.subarray([...REQUIREMENTS], { minLength: 1 }),
  changedDaysAfterBase: fc.option(fc.constantFrom(-1, 0, 1, 2)),
  certificates: fc.record({
    advance_payment: fc.option(certificateModel, { freq: 4 }),
    interim_advance_payment: fc.option(certificateModel, { freq: 4 }),
    contract: fc.option(certificateModel, { freq: 4 }),
  }),
});

type Model = typeof model extends fc.Arbitrary<infer T> ? T : never;
type CertModel = NonNullable<Model['certificates']['contract']>;

const BASE_ISSUED = '2024-10-01';
const PERIOD_TO = '2025-02-28';

const bpOf = (m: Model, kind: Requirement) =>
  Math.round((kind === 'contract' ? m.ratios.contract : kind === 'advance_payment' ? m.ratios.advance : m.ratios.interim) * 10_000);

function terms(m: Model, kind: Requirement, c: CertModel) {
  const exact = BigInt(m.price) * BigInt(bpOf(m, kind));
  const delta = c.fault === 'amountUnder' ? -1 : c.fault === 'amountOver' ? 1 : 0;
  if (kind === 'contract') return { amount: Number((exact + 9_999n) / 10_000n) + delta };
  const advance = Number(exact / 10_000n) + delta;
  return { amount: kind === 'advance_payment' && c.fault === 'advanceUnequal' ? advance + 1 : advance, advancePayment: advance };
}

function expectedState(m: Model, kind: Requirement, c: CertModel | null, changedOn: string | null): GuaranteeState {
  const linked = c?.linkHighestFiled ? [...Array(c.revisions).keys()].filter((r) => c.filed[r]).pop() : undefined;
  if (!c || linked === undefined) return 'missing';
  const top = c.revisions - 1;
  const withdrawn = c.withdrawal === 'cancelled' || (c.withdrawal === 'error-top' && linked === top);
  const unfiledHigher = [...Array(c.revisions).keys()].some((r) => r > linked && !c.filed[r] && !(c.withdrawal === 'error-top' && r === top));
  const t = terms(m, kind, c);
  const bp = BigInt(bpOf(m, kind));
  const amountFails =
    kind === 'contract'
      ? BigInt(t.amount) * 10_000n < BigInt(m.price) * bp
      : BigInt(t.advancePayment!) * 10_000n > BigInt(m.price) * bp || (kind === 'advance_payment' && t.amount !== t.advancePayment);
  const anyCheckFailed = amountFails || ['periodShort', 'price', 'contractor', 'project', 'obligee'].includes(c.fault);
  const issuedOn = addDays(BASE_ISSUED, c.issuedOffset + linked);
  return guaranteeState({ withdrawn, unfiledHigherRevision: unfiledHigher, issuedBeforeChange: changedOn !== null && issuedOn < changedOn, anyCheckFailed });
}

async function store(m: Model) {
  const org = `prop${++run}`;
  await addOrganisation(db.sql, { id: org, name: `組織${run}`, obligees: [{ code: '340006', name: null }] });
  await setLedgerRules(db.sql, org, { contractGuaranteeRatio: m.ratios.contract, advanceRatio: m.ratios.advance, interimRatio: m.ratios.interim });
  const who = { actor: 'property' };
  await putContract(
    db.sql,
    org,
    'P-1',
    {
      projectName: '芦田川護岸改修工事',
      contractor: { name: '備後建設株式会社' },
      contractPrice: m.price,
      contractDate: '2024-06-10',
      period: { from: '2024-06-11', to: PERIOD_TO },
      required: m.required,
    },
    who,
  );
  const changedOn = m.changedDaysAfterBase === null ? null : addDays(BASE_ISSUED, m.changedDaysAfterBase);
  if (changedOn) await db.sql`update contracts set changed_at = ${`${changedOn}T12:00:00+09:00`}::timestamptz where org_id = ${org}`;
  for (const kind of REQUIREMENTS) {
    const c = m.certificates[kind];
    if (!c) continue;
    const number = String(numbers++);
    const t = terms(m, kind, c);
    let highestFiled: string | null = null;
    for (let r = 0; r < c.revisions; r++) {
      const payload = {
        number,
        kind,
        revision: r,
        revisionType: r === 0 ? 'new' : 'change',
        issuedOn: addDays(BASE_ISSUED, c.issuedOffset + r),
        guarantor: { name: '西日本建設業保証株式会社' },
        obligee: c.fault === 'obligee' ? { name: '岡山県知事', code: '330001' } : { name: '広島県知事', code: '340006' },
        contractor: { name: c.fault === 'contractor' ? '備後土建株式会社' : c.nameStyle === 'variant' ? '備後建設 ㈱' : '備後建設株式会社' },
        project: {
          name: c.fault === 'project' ? '芦田川護岸改修工事（その2）' : c.nameStyle === 'variant' ? '芦田川　護岸改修工事' : '芦田川護岸改修工事',
          period: { from: '2024-06-11', to: PERIOD_TO },
          contractPrice: m.price + (c.fault === 'price' ? 1 : 0),
        },
        guarantee: { ...t, period: { from: BASE_ISSUED, to: addDays(PERIOD_TO, c.fault === 'periodShort' ? -1 : c.fault === 'periodLong' ? 1 : 0) } },
      };
      const jws = randomUUID();
      const [set] = await db.sql<{ id: string }[]>`
        insert into received_sets (issuer_id, jti, jws, jws_sha256, header, claims, event_type, kid, alg, via, verified_at)
        values (${ISSUER}, ${jws}, ${jws}, ${createHash('sha256').update(jws).digest('hex')}, '{}', '{}', 'urn:shosho:certificate', 'k', 'ES256', 'push', now())
        returning id`;
      const [rev] = await db.sql<{ id: string }[]>`
        insert into certificate_revisions (issuer_id, number, kind, revision, revision_type, issued_on, payload, auth_key_digest, obligee_code, obligee_name, set_id)
        values (${ISSUER}, ${number}, ${kind}, ${r}, ${payload.revisionType}, ${payload.issuedOn}, ${db.sql.json(payload)}, 'x', ${payload.obligee.code}, ${payload.obligee.name}, ${set!.id})
        returning id`;
      if (c.filed[r]) {
        const [a] = await db.sql<{ id: string }[]>`
          insert into archive_records (org_id, revision_id, pdf, pdf_sha256, jws_sha256, archived_by, status_when_archived, issuer_id, number, kind,
            revision, revision_type, project_name, contractor, obligee, search_text)
          values (${org}, ${rev!.id}, ${Buffer.from('pdf')}, ${'0'.repeat(64)}, ${'0'.repeat(64)}, 'property', 'current', ${ISSUER}, ${number}, ${kind},
            ${r}, ${payload.revisionType}, ${payload.project.name}, ${payload.contractor.name}, ${payload.obligee.name}, '')
          returning id`;
        highestFiled = a!.id;
      }
    }
    if (c.withdrawal !== 'none') {
      const revision = c.withdrawal === 'cancelled' ? 0 : c.revisions - 1;
      const jws = randomUUID();
      const [set] = await db.sql<{ id: string }[]>`
        insert into received_sets (issuer_id, jti, jws, jws_sha256, header, claims, event_type, kid, alg, via, verified_at)
        values (${ISSUER}, ${jws}, ${jws}, ${createHash('sha256').update(jws).digest('hex')}, '{}', '{}', 'urn:shosho:certificate-withdrawn', 'k', 'ES256', 'push', now())
        returning id`;
      await db.sql`insert into withdrawals (issuer_id, number, kind, revision, reason, withdrawn_on, set_id)
        values (${ISSUER}, ${number}, ${kind}, ${revision}, ${c.withdrawal === 'cancelled' ? 'cancelled' : 'issued_in_error'}, '2025-01-10', ${set!.id})`;
    }
    if (highestFiled && c.linkHighestFiled) await setArchiveContract(db.sql, org, highestFiled, 'P-1', who);
  }
  return { org, changedOn };
}

describe('the state shown equals the rule applied to what is stored', () => {
  it('on the contract page, in the list, and for the contract as a whole', async () => {
    await fc.assert(
      fc.asyncProperty(model, async (m) => {
        const { org, changedOn } = await store(m);
        const expected = m.required.map((kind) => expectedState(m, kind, m.certificates[kind] ?? null, changedOn));
        const page = await withGuarantees(db.sql, (await listContracts(db.sql, org, {})).items[0]!);
        expect(page.guarantees.map((g) => g.state)).toEqual(expected);
        const [listed] = (await listContracts(db.sql, org, {})).items;
        expect(listed!.guarantees.map((g) => g.state)).toEqual(expected);
        expect(listed!.state).toBe(contractState(expected));
        expect(page.state).toBe(contractState(expected));
        // over the whole organisation: the home page's count, the state filter, the missing check
        expect((await listGuaranteeStates(db.sql, { orgId: org })).map((g) => g.state)).toEqual(expected);
        const counts = await countContractStates(db.sql, org);
        expect(counts[contractState(expected)]).toBe(1);
        expect((await listContracts(db.sql, org, { state: contractState(expected) })).items.map((i) => i.reference)).toEqual(['P-1']);
      }),
      { numRuns: 80 },
    );
  }, 120_000);
});
