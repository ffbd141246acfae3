import { authKeyDigest, CERTIFICATE_EVENT, newAuthKey, sampleCertificate, type Kind } from '../../reference-issuer/index.js';
import type { DemoCertificate, DemoSetup } from './index.js';

export interface DemoContract {
  reference: string;
  state: string;
  note: string;
}

const HIROSHIMA = { name: '広島県知事', code: '340006' };

/**
 * The sample ledger (SPEC §5 `shosho demo`): four contracts filed through the JSON API as a clerk
 * would — one complete, one incomplete, one mismatch, one needing a 変更 key. Two certificates are
 * issued for it with amounts exactly at the 約款's ratios (the other samples round theirs). Filing
 * makes PDFs: without a browser the contracts stay as entered.
 */
export async function setUpDemoLedger(serviceUrl: string, demo: DemoSetup): Promise<DemoContract[]> {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(serviceUrl + path, {
      method,
      headers: { authorization: `Bearer ${demo.apiToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json().catch(() => null)) as { id?: string; state?: string } | null };
  };
  const base = Number(demo.certificates[0]!.number);
  const issue = async (offset: number, seed: number, kind: Kind): Promise<DemoCertificate> => {
    const authKey = newAuthKey();
    const payload = {
      ...sampleCertificate(seed, { number: String(base + offset), kind, authKeyDigest: await authKeyDigest(authKey, 14) }),
      obligee: HIROSHIMA,
    };
    const price = payload.project.contractPrice;
    const amount = kind === 'contract' ? Math.ceil(price / 10) : Math.floor(price / 5);
    payload.guarantee = { ...payload.guarantee, amount, ...(kind === 'contract' ? {} : { advancePayment: amount }) };
    const set = await demo.issuer.sign(CERTIFICATE_EVENT, payload);
    await demo.issuer.push(`${serviceUrl}/sets`, set.token);
    const cert = { number: payload.number, authKey, kind, revision: 0, revisionType: 'new', note: 'sample ledger (案件台帳)', payload };
    demo.certificates.push(cert);
    return cert;
  };
  const sample = (kind: Kind, revision: number) => demo.certificates.find((c) => c.kind === kind && c.revision === revision)!;
  const ledger = [
    { reference: 'デモ-完了', cert: await issue(70_000, 10, 'contract'), required: ['contract'], note: 'complete: its 契約保証 is filed and agrees' },
    {
      reference: 'デモ-未提出',
      cert: await issue(80_000, 11, 'interim_advance_payment'),
      required: ['interim_advance_payment', 'contract'],
      note: 'incomplete: the 契約保証 is still missing',
    },
    {
      reference: 'デモ-不一致',
      cert: sample('advance_payment', 2),
      required: ['advance_payment'],
      note: 'mismatch: the advance payment is over 40% of the price',
    },
    {
      reference: 'デモ-要変更',
      cert: sample('advance_payment', 0),
      required: ['advance_payment'],
      note: 'needs_change: its 変更 (revision 1) is not filed yet',
    },
  ];
  const out: DemoContract[] = [];
  for (const s of ledger) {
    const p = s.cert.payload;
    await call('PUT', `/api/v1/contracts/${encodeURIComponent(s.reference)}`, {
      projectName: p.project.name,
      contractor: { name: p.contractor.name },
      contractPrice: p.project.contractPrice,
      contractDate: p.project.contractDate,
      period: p.project.period,
      required: s.required,
    });
    const found = await call('POST', '/api/v1/lookup', { number: s.cert.number, authKey: s.cert.authKey });
    if (found.status === 200) await call('POST', `/api/v1/certificates/${found.json?.id}/archive`, { contract: s.reference });
    const contract = await call('GET', `/api/v1/contracts/${encodeURIComponent(s.reference)}`);
    out.push({ reference: s.reference, state: contract.json?.state ?? 'unknown', note: s.note });
  }
  return out;
}
