import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseMissingGuarantees } from '../src/alerts/index.js';
import { CERTIFICATE_EVENT, changeRevision, type ReferenceIssuer } from '../reference-issuer/index.js';
import type { TestDatabase } from './helpers/db.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate, digestFor } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let token: string;
let okayamaToken: string;

const api = (method: string, path: string, body?: unknown, t = token) => apiCall(base, t, method, path, body);
const alertsOf = async (contract: string) =>
  (await db.sql`select type, number, revision from alerts where contract = ${contract} order by created_at, type`) as unknown as Array<{
    type: string;
    number: string | null;
    revision: number | null;
  }>;

type Payload = Awaited<ReturnType<typeof certificate>>;

/** A 前払金保証 within 40% of the contract price (the sample rounds the advance up to ¥1,000, which can exceed it). */
async function advanceCertificate(number: string, key: string): Promise<Payload> {
  const p = await certificate(number, key);
  const advance = Math.floor((p.project.contractPrice * 0.4) / 1000) * 1000;
  return { ...p, guarantee: { ...p.guarantee, amount: advance, advancePayment: advance } };
}

/** The contract the certificate was issued for, as the owner's ledger records it. */
function contractFor(p: Payload, overrides: Record<string, unknown> = {}) {
  return {
    projectName: p.project.name,
    contractor: { name: p.contractor.name },
    contractPrice: p.project.contractPrice,
    contractDate: p.project.contractDate,
    period: p.project.period,
    required: ['advance_payment'],
    ...overrides,
  };
}

async function pushAndFile(p: Payload, key: string, contract: string) {
  const s = await issuer.sign(CERTIFICATE_EVENT, p);
  expect((await issuer.push(`${base}/sets`, s.token)).status).toBe(202);
  const r = await api('POST', '/api/v1/lookup', { number: p.number, authKey: key });
  expect(r.status).toBe(200);
  const filed = await api('POST', `/api/v1/certificates/${r.json.id}/archive`, { contract });
  expect(filed.status).toBe(201);
  expect(filed.json.contract).toBe(contract);
}

const guaranteeState = async (reference: string) => (await api('GET', `/api/v1/contracts/${encodeURIComponent(reference)}`)).json.guarantees[0].state as string;

beforeAll(async () => {
  fx = await serviceWithIssuer({ SHOSHO_WEBHOOK_RETRY_MS: '50' });
  ({ db, issuer, base } = fx);
  ({ token } = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }));
  ({ token: okayamaToken } = await seedOrganisation(db.sql, { id: 'okayama', name: '岡山県', code: '330001' }));
}, 60_000);
afterAll(async () => {
  await fx?.close();
});

describe('ledger alerts: raised when a guarantee enters needs_change or mismatch', () => {
  it('filing a certificate that does not match its contract raises one mismatch alert', async () => {
    const p = await advanceCertificate('2091000001', 'LG00KEY1');
    expect((await api('PUT', '/api/v1/contracts/R6-道-201', contractFor(p, { contractPrice: p.project.contractPrice + 1_000_000 }))).status).toBe(201);
    await pushAndFile(p, 'LG00KEY1', 'R6-道-201');
    expect(await guaranteeState('R6-道-201')).toBe('mismatch');
    expect(await alertsOf('R6-道-201')).toEqual([{ type: 'mismatch', number: '2091000001', revision: 0 }]);
    const [alert] = (await api('GET', '/api/v1/alerts?open=true')).json.items.filter((a: { contract: string }) => a.contract === 'R6-道-201');
    expect(alert.message).toContain('案件R6-道-201の前払金保証証書（保証契約番号2091000001）が契約内容と一致しません');
    // replacing the contract with the same terms changes no state: nothing more
    expect((await api('PUT', '/api/v1/contracts/R6-道-201', contractFor(p, { contractPrice: p.project.contractPrice + 1_000_000 }))).status).toBe(200);
    expect(await alertsOf('R6-道-201')).toHaveLength(1);
    expect((await api('GET', '/api/v1/alerts', undefined, okayamaToken)).json.items).toEqual([]);
  });

  it('a matching certificate raises nothing; a change contract it no longer covers raises needs_change once', async () => {
    const p = await advanceCertificate('2091000002', 'LG00KEY2');
    expect((await api('PUT', '/api/v1/contracts/R6-道-202', contractFor(p))).status).toBe(201);
    await pushAndFile(p, 'LG00KEY2', 'R6-道-202');
    expect(await guaranteeState('R6-道-202'), JSON.stringify((await api('GET', '/api/v1/contracts/R6-道-202')).json.guarantees[0].checks)).toBe('ok');
    expect(await alertsOf('R6-道-202')).toEqual([]);
    const later = { ...p.project.period, to: '2030-03-31' };
    expect((await api('PUT', '/api/v1/contracts/R6-道-202', contractFor(p, { period: later }))).status).toBe(200);
    expect(await guaranteeState('R6-道-202')).toBe('needs_change');
    expect((await api('PUT', '/api/v1/contracts/R6-道-202', contractFor(p, { period: later, section: '土木' }))).status).toBe(200);
    expect(await alertsOf('R6-道-202')).toEqual([{ type: 'needs_change', number: '2091000002', revision: 0 }]);
  });

  it('a change revision of a linked certificate arriving from the issuer raises needs_change with new_revision, once', async () => {
    const p = await advanceCertificate('2091000003', 'LG00KEY3');
    expect((await api('PUT', '/api/v1/contracts/R6-道-203', contractFor(p))).status).toBe(201);
    await pushAndFile(p, 'LG00KEY3', 'R6-道-203');
    const s = await issuer.sign(CERTIFICATE_EVENT, changeRevision(p, 1, await digestFor('LG01KEY3'), '2024-09-02'));
    expect((await issuer.push(`${base}/sets`, s.token)).status).toBe(202);
    expect((await issuer.push(`${base}/sets`, s.token)).status).toBe(202);
    expect(await guaranteeState('R6-道-203')).toBe('needs_change');
    expect(await alertsOf('R6-道-203')).toEqual([{ type: 'needs_change', number: '2091000003', revision: 0 }]);
    expect((await db.sql`select type from alerts where number = '2091000003' and contract is null`).map((r) => r.type)).toEqual(['new_revision']);
  });
});

describe('missing guarantees', () => {
  it('the scheduled check raises missing once, after the organisation’s missing-after-days', async () => {
    const p = await advanceCertificate('2091000004', 'LG00KEY4');
    const old = { contractDate: '2024-06-01', required: ['advance_payment', 'contract'] };
    expect((await api('PUT', '/api/v1/contracts/R6-道-204', contractFor(p, old))).status).toBe(201);
    const recent = new Date(Date.now() + 9 * 3_600_000 - 3 * 86_400_000).toISOString().slice(0, 10);
    expect((await api('PUT', '/api/v1/contracts/R6-道-205', contractFor(p, { contractDate: recent, period: { from: recent, to: '2030-03-31' } }))).status).toBe(
      201,
    );
    await raiseMissingGuarantees(db.sql as never);
    await raiseMissingGuarantees(db.sql as never);
    const rows = await alertsOf('R6-道-204');
    expect(rows).toEqual([
      { type: 'missing', number: null, revision: null },
      { type: 'missing', number: null, revision: null },
    ]);
    const kinds = (await db.sql`select kind from alerts where contract = 'R6-道-204' order by kind`).map((r) => r.kind);
    expect(kinds).toEqual(['advance_payment', 'contract']);
    expect(await alertsOf('R6-道-205')).toEqual([]);
    const [alert] = (await api('GET', '/api/v1/alerts?open=true')).json.items.filter(
      (a: { contract: string; kind: string }) => a.contract === 'R6-道-204' && a.kind === 'contract',
    );
    expect(alert.message).toBe('案件R6-道-204の契約保証証書がまだ提出されていません。受注者に証書の認証キーの提出を依頼してください。');
    // an organisation that allows only one day finds the 3-day-old contract late too
    await db.sql`insert into ledger_rules (org_id, missing_after_days) values ('hiroshima', 1) on conflict (org_id) do update set missing_after_days = 1`;
    await raiseMissingGuarantees(db.sql as never);
    expect((await alertsOf('R6-道-205')).map((a) => a.type)).toEqual(['missing']);
  });
});
