import { expect } from 'vitest';
import { CERTIFICATE_EVENT, type Kind, type ReferenceIssuer } from '../../reference-issuer/index.js';
import { apiCall } from './fixture.js';
import { certificate } from './issuer.js';

/** A contract as the conformance kit writes it: 備後建設, 88,000,000円, works to 2025-02-28. */
export const ASHIDA = {
  projectName: '二級河川芦田川護岸改修工事',
  contractor: { name: '備後建設（株）' },
  contractPrice: 88_000_000,
  contractDate: '2024-06-10',
  period: { from: '2024-06-11', to: '2025-02-28' },
  required: ['interim_advance_payment', 'contract'],
};

export interface CertificateTerms {
  kind?: Kind;
  revision?: number;
  amount?: number;
  advancePayment?: number;
  guaranteeTo?: string;
  contractPrice?: number;
  projectName?: string;
  contractorName?: string;
  issuedOn?: string;
  obligee?: { name: string; code?: string };
}

/** A certificate of the ASHIDA contract (everything matching unless told otherwise), as the issuer signs it. */
export async function ledgerCertificate(number: string, authKey: string, t: CertificateTerms = {}) {
  const kind = t.kind ?? 'interim_advance_payment';
  const base = await certificate(number, authKey, kind, 1);
  const price = t.contractPrice ?? ASHIDA.contractPrice;
  const amount = t.amount ?? Math.round(price * (kind === 'advance_payment' ? 0.4 : kind === 'contract' ? 0.1 : 0.2));
  const revision = t.revision ?? 0;
  return {
    ...base,
    revision,
    revisionType: revision === 0 ? ('new' as const) : ('change' as const),
    issuedOn: t.issuedOn ?? '2024-10-01',
    obligee: t.obligee ?? base.obligee,
    contractor: { ...base.contractor, name: t.contractorName ?? '備後建設株式会社' },
    project: { ...base.project, name: t.projectName ?? ASHIDA.projectName, contractDate: ASHIDA.contractDate, period: ASHIDA.period, contractPrice: price },
    guarantee: {
      amount,
      period: { from: '2024-10-01', to: t.guaranteeTo ?? '2025-03-30' },
      ...(kind === 'contract' ? {} : { advancePayment: t.advancePayment ?? amount }),
    },
  };
}

/** Pushes the certificate, unlocks it with its key through the API, and gives back its id. */
export async function issueAndUnlock(
  base: string,
  issuer: ReferenceIssuer,
  token: string,
  payload: Awaited<ReturnType<typeof ledgerCertificate>>,
  authKey: string,
): Promise<string> {
  const set = await issuer.sign(CERTIFICATE_EVENT, payload);
  expect((await issuer.push(`${base}/sets`, set.token)).status).toBe(202);
  const r = await apiCall(base, token, 'POST', '/api/v1/lookup', { number: payload.number, authKey });
  expect(r.status).toBe(200);
  return r.json.id as string;
}
