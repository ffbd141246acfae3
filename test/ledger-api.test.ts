import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WITHDRAWN_EVENT, type ReferenceIssuer } from '../reference-issuer/index.js';
import type { TestDatabase } from './helpers/db.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { digestFor } from './helpers/issuer.js';
import { ASHIDA, issueAndUnlock, ledgerCertificate } from './helpers/ledger.js';
import { seedOrganisation } from './helpers/seed.js';

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let hiroshima: { token: string };
let okayama: { token: string };

const api = (token: string, method: string, path: string, body?: unknown) => apiCall(base, token, method, path, body);
const file = (id: string, body: object = {}) => api(hiroshima.token, 'POST', `/api/v1/certificates/${id}/archive`, body);

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer, base } = fx);
  hiroshima = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' });
  okayama = await seedOrganisation(db.sql, { id: 'okayama', name: '岡山県', code: '330001' });
});
afterAll(async () => {
  await fx?.close();
});

describe('contracts in the JSON API (SPEC §9)', () => {
  it('PUT creates (201), PUT again replaces (200), GET reads it; a bad field is 422 naming it and changes nothing', async () => {
    let r = await api(hiroshima.token, 'PUT', '/api/v1/contracts/FK-2024-001', ASHIDA);
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      reference: 'FK-2024-001',
      contractPrice: 88_000_000,
      required: ['interim_advance_payment', 'contract'],
      state: 'incomplete',
    });
    expect(r.json.guarantees.map((g: any) => [g.kind, g.state])).toEqual([
      ['interim_advance_payment', 'missing'],
      ['contract', 'missing'],
    ]);
    r = await api(hiroshima.token, 'PUT', '/api/v1/contracts/FK-2024-001', { ...ASHIDA, section: '土木課' });
    expect(r.status).toBe(200);
    expect(r.json.section).toBe('土木課');
    r = await api(hiroshima.token, 'PUT', '/api/v1/contracts/FK-2024-001', { ...ASHIDA, contractPrice: -1, period: { from: '2025-01-01', to: '2024-01-01' } });
    expect(r.status).toBe(422);
    expect(r.json.error.message).toContain('contractPrice');
    expect(r.json.error.message).toContain('period.to');
    r = await api(hiroshima.token, 'PUT', '/api/v1/contracts/FK-2024-001', { ...ASHIDA, required: ['bogus'] });
    expect(r.status).toBe(422);
    expect(r.json.error.message).toContain('required.0');
    r = await api(hiroshima.token, 'PUT', `/api/v1/contracts/${'x'.repeat(65)}`, ASHIDA);
    expect(r.status).toBe(422);
    const raw = await fetch(`${base}/api/v1/contracts/FK-2024-001`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${hiroshima.token}`, 'content-type': 'application/json' },
      body: '{"projectName":',
    });
    expect(raw.status).toBe(400);
    r = await api(hiroshima.token, 'GET', '/api/v1/contracts/FK-2024-001');
    expect(r.json).toMatchObject({ section: '土木課', contractPrice: 88_000_000 });
  });

  it('a reference is kept exactly as the owner writes it, slashes and all', async () => {
    const reference = '福土第45号/R6 その1';
    const path = `/api/v1/contracts/${encodeURIComponent(reference)}`;
    expect((await api(hiroshima.token, 'PUT', path, { ...ASHIDA, projectName: '参照工事' })).status).toBe(201);
    expect((await api(hiroshima.token, 'GET', path)).json.reference).toBe(reference);
  });

  it('an insurer kind in `required` fulfils the contract requirement', async () => {
    const r = await api(hiroshima.token, 'PUT', '/api/v1/contracts/INS-1', {
      ...ASHIDA,
      projectName: '別工事',
      required: ['performance_bond', '契約保証', 'advance_payment'],
    });
    expect(r.status).toBe(201);
    expect(r.json.required).toEqual(['contract', 'advance_payment']);
  });

  it("another organisation's contract is 404, and it cannot read, replace or link to it", async () => {
    expect((await api(okayama.token, 'GET', '/api/v1/contracts/FK-2024-001')).status).toBe(404);
    const list = await api(okayama.token, 'GET', '/api/v1/contracts');
    expect(list.json.items).toEqual([]);
    // the same reference in another organisation is its own contract
    expect((await api(okayama.token, 'PUT', '/api/v1/contracts/FK-2024-001', { ...ASHIDA, projectName: '岡山の工事' })).status).toBe(201);
    expect((await api(hiroshima.token, 'GET', '/api/v1/contracts/FK-2024-001')).json.projectName).toBe(ASHIDA.projectName);
  });

  it('filing a matching certificate links it; the guarantee is ok with named checks, the 契約保証 missing, the contract incomplete', async () => {
    const id = await issueAndUnlock(base, issuer, hiroshima.token, await ledgerCertificate('2090000001', 'LEDGER01'), 'LEDGER01');
    const r = await file(id);
    expect(r.status).toBe(201);
    expect(r.json.contract).toBe('FK-2024-001');
    const c = await api(hiroshima.token, 'GET', '/api/v1/contracts/FK-2024-001');
    expect(c.json.state).toBe('incomplete');
    const [interim, contract] = c.json.guarantees;
    expect(interim).toMatchObject({ kind: 'interim_advance_payment', state: 'ok', number: '2090000001', revision: 0 });
    expect(interim.checks.map((x: any) => [x.name, x.result])).toEqual([
      ['contract-obligee', 'passed'],
      ['contract-contractor', 'passed'],
      ['contract-project', 'passed'],
      ['contract-price', 'passed'],
      ['guarantee-amount', 'passed'],
      ['guarantee-period', 'passed'],
    ]);
    expect(contract).toMatchObject({ kind: 'contract', state: 'missing', archiveId: null });
    const record = await api(hiroshima.token, 'GET', `/api/v1/archive/${r.json.id}`);
    expect(record.json.contract).toBe('FK-2024-001');
    const audit = await db.sql`select action, outcome, detail from audit_log where action = 'contract.link'`;
    expect(audit).toMatchObject([{ outcome: 'matched', detail: { contract: 'FK-2024-001', at: 'filing' } }]);
  });

  it('a performance bond is taken as the 契約保証, and the contract becomes complete', async () => {
    // the insurer kinds arrive with the insurer branch: a 契約保証 stands in here
    const id = await issueAndUnlock(base, issuer, hiroshima.token, await ledgerCertificate('2090000002', 'LEDGER02', { kind: 'contract' }), 'LEDGER02');
    expect((await file(id)).json.contract).toBe('FK-2024-001');
    const c = await api(hiroshima.token, 'GET', '/api/v1/contracts/FK-2024-001');
    expect(c.json.state).toBe('complete');
    const list = await api(hiroshima.token, 'GET', '/api/v1/contracts?state=complete');
    expect(list.json.items.map((i: any) => i.reference)).toEqual(['FK-2024-001']);
  });

  it('filing with zero or two matching contracts links to none; an explicit contract wins; an unknown one is 422 and files nothing', async () => {
    const none = await issueAndUnlock(
      base,
      issuer,
      hiroshima.token,
      await ledgerCertificate('2090000003', 'LEDGER03', { projectName: 'どこにもない工事' }),
      'LEDGER03',
    );
    expect((await file(none)).json.contract).toBeNull();
    await api(hiroshima.token, 'PUT', '/api/v1/contracts/TWIN-A', { ...ASHIDA, projectName: '双子 工事' });
    await api(hiroshima.token, 'PUT', '/api/v1/contracts/TWIN-B', { ...ASHIDA, projectName: '双子工事', contractor: { name: '備後建設㈱' } });
    const twin = await issueAndUnlock(
      base,
      issuer,
      hiroshima.token,
      await ledgerCertificate('2090000004', 'LEDGER04', { projectName: '双子工事' }),
      'LEDGER04',
    );
    const twinFiled = await file(twin);
    expect(twinFiled.json.contract).toBeNull();
    const other = await issueAndUnlock(
      base,
      issuer,
      hiroshima.token,
      await ledgerCertificate('2090000005', 'LEDGER05', { projectName: '双子工事' }),
      'LEDGER05',
    );
    const bad = await file(other, { contract: 'NO-SUCH' });
    expect(bad.status).toBe(422);
    expect(bad.json.error.code).toBe('unknown_contract');
    expect((await db.sql`select count(*)::int as n from archive_records where number = '2090000005'`)[0]!.n).toBe(0);
    const named = await file(other, { contract: 'TWIN-B' });
    expect(named.status).toBe(201);
    expect(named.json.contract).toBe('TWIN-B');

    // by hand: link, then unlink; another organisation's record is 404
    let r = await api(hiroshima.token, 'PUT', `/api/v1/archive/${twinFiled.json.id}/contract`, { contract: 'TWIN-A' });
    expect(r.status).toBe(200);
    expect(r.json.contract).toBe('TWIN-A');
    expect((await api(okayama.token, 'PUT', `/api/v1/archive/${twinFiled.json.id}/contract`, { contract: 'FK-2024-001' })).status).toBe(404);
    expect((await api(hiroshima.token, 'PUT', `/api/v1/archive/${twinFiled.json.id}/contract`, { contract: 'NO-SUCH' })).status).toBe(422);
    expect((await api(hiroshima.token, 'PUT', `/api/v1/archive/${twinFiled.json.id}/contract`, { contrakt: 'TWIN-A' })).status).toBe(422);
    r = await api(hiroshima.token, 'PUT', `/api/v1/archive/${twinFiled.json.id}/contract`, { contract: null });
    expect(r.json.contract).toBeNull();
    const audit = await db.sql`select action, detail from audit_log where subject = ${twinFiled.json.id} and action like 'contract.%' order by seq`;
    expect(audit.map((a) => a.action)).toEqual(['contract.link', 'contract.unlink']);
  });

  it('a change contract turns a guarantee issued before it into needs_change when a check now fails; a 変更 filed after fixes it', async () => {
    await api(hiroshima.token, 'PUT', '/api/v1/contracts/CHG-1', { ...ASHIDA, projectName: '変更工事', required: ['interim_advance_payment'] });
    const payload = await ledgerCertificate('2090000006', 'LEDGER06', { projectName: '変更工事' });
    const id = await issueAndUnlock(base, issuer, hiroshima.token, payload, 'LEDGER06');
    expect((await file(id)).json.contract).toBe('CHG-1');
    expect((await api(hiroshima.token, 'GET', '/api/v1/contracts/CHG-1')).json.guarantees[0].state).toBe('ok');
    // works extended past the guarantee period (2025-03-30)
    const changed = await api(hiroshima.token, 'PUT', '/api/v1/contracts/CHG-1', {
      ...ASHIDA,
      projectName: '変更工事',
      required: ['interim_advance_payment'],
      period: { from: '2024-06-11', to: '2025-05-30' },
    });
    expect(changed.status).toBe(200);
    const g = changed.json.guarantees[0];
    expect(g.state).toBe('needs_change');
    expect(g.checks.find((x: any) => x.name === 'guarantee-period').result).toBe('failed');
    expect(changed.json.state).toBe('attention');
    expect((await api(hiroshima.token, 'GET', '/api/v1/contracts?state=attention')).json.items.map((i: any) => i.reference)).toContain('CHG-1');
    const [entry] = await db.sql`select outcome from audit_log where action = 'contract.replace' and subject = 'CHG-1'`;
    expect(entry!.outcome).toBe('change_contract');

    // the issuer sends the 変更 (revision 1): until the organisation files it, the guarantee needs it
    const rev1 = {
      ...payload,
      revision: 1,
      revisionType: 'change' as const,
      issuedOn: new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10),
      authKeyDigest: await digestFor('LEDGER06B'),
      guarantee: { ...payload.guarantee, period: { from: '2024-10-01', to: '2025-06-29' } },
      changes: ['guarantee.period.to'],
    };
    const id1 = await issueAndUnlock(base, issuer, hiroshima.token, rev1, 'LEDGER06B');
    expect((await api(hiroshima.token, 'GET', '/api/v1/contracts/CHG-1')).json.guarantees[0].state).toBe('needs_change');
    expect((await file(id1)).json.contract).toBe('CHG-1');
    const after = await api(hiroshima.token, 'GET', '/api/v1/contracts/CHG-1');
    expect(after.json.guarantees[0]).toMatchObject({ state: 'ok', revision: 1 });
  });

  it('a withdrawn revision makes its guarantee withdrawn', async () => {
    await api(hiroshima.token, 'PUT', '/api/v1/contracts/WD-1', { ...ASHIDA, projectName: '取消工事', required: ['interim_advance_payment'] });
    const id = await issueAndUnlock(base, issuer, hiroshima.token, await ledgerCertificate('2090000007', 'LEDGER07', { projectName: '取消工事' }), 'LEDGER07');
    await file(id);
    const set = await issuer.sign(WITHDRAWN_EVENT, {
      number: '2090000007',
      kind: 'interim_advance_payment',
      revision: 0,
      reason: 'cancelled',
      withdrawnOn: '2025-01-10',
    });
    expect((await issuer.push(`${base}/sets`, set.token)).status).toBe(202);
    const c = await api(hiroshima.token, 'GET', '/api/v1/contracts/WD-1');
    expect(c.json.guarantees[0].state).toBe('withdrawn');
    expect(c.json.state).toBe('attention');
  });

  it('lists with q, paging and a bad filter as 422', async () => {
    const first = await api(hiroshima.token, 'GET', '/api/v1/contracts?limit=2');
    expect(first.json.items).toHaveLength(2);
    const second = await api(hiroshima.token, 'GET', `/api/v1/contracts?limit=2&cursor=${first.json.next}`);
    expect(second.json.items[0].reference > first.json.items[1].reference).toBe(true);
    const q = await api(hiroshima.token, 'GET', `/api/v1/contracts?q=${encodeURIComponent('芦田川　護岸')}`);
    expect(q.json.items.map((i: any) => i.reference)).toEqual(['FK-2024-001']);
    expect((await api(hiroshima.token, 'GET', '/api/v1/contracts?state=bogus')).status).toBe(422);
    expect((await api(hiroshima.token, 'GET', '/api/v1/contracts?cursor=bogus')).status).toBe(422);
  });
});

describe('the archive record carries `contract`', () => {
  it('is null for an unlinked record in the list', async () => {
    const list = await api(hiroshima.token, 'GET', '/api/v1/archive');
    expect(list.json.items.every((i: any) => 'contract' in i)).toBe(true);
  });
});
