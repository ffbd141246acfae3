import { describe, expect, it } from 'vitest';
import type { PublicPayload } from '../src/domain/index.js';
import { contractState, guaranteeState, LEDGER_CHECKS, nameKey, runLedgerChecks, type LedgerEvidence, type Requirement } from '../src/ledger/index.js';

const PRICE = 88_000_000;
const RULES = { contractGuaranteeBp: 1000, advanceBp: 4000, interimBp: 2000, missingAfterDays: 14 };
const SUBJECT = {
  number: '2070004426',
  kind: 'advance_payment' as const,
  revision: 0,
  issuer: 'https://wjcs.example',
  jwsSha256: 'a'.repeat(64),
  archiveId: null,
};

function payload(over: {
  amount: number;
  advancePayment?: number;
  guaranteeTo?: string;
  price?: number;
  contractor?: string;
  project?: string;
}): PublicPayload {
  return {
    number: '2070004426',
    kind: 'advance_payment',
    revision: 0,
    revisionType: 'new',
    issuedOn: '2024-06-03',
    guarantor: { name: '西日本建設業保証株式会社' },
    obligee: { name: '広島県知事', code: '340006' },
    contractor: { name: over.contractor ?? '備後建設株式会社' },
    project: { name: over.project ?? '芦田川護岸改修工事', period: { from: '2024-06-11', to: '2025-02-28' }, contractPrice: over.price ?? PRICE },
    guarantee: {
      amount: over.amount,
      period: { from: '2024-06-11', to: over.guaranteeTo ?? '2025-02-28' },
      ...(over.advancePayment === undefined ? {} : { advancePayment: over.advancePayment }),
    },
  };
}

function evidence(requirement: Requirement, p: PublicPayload, obligeeAnswered = true): LedgerEvidence {
  return {
    contract: { projectName: '芦田川 護岸改修工事', contractorName: '備後建設㈱', contractPrice: PRICE, periodTo: '2025-02-28' },
    requirement,
    payload: p,
    obligeeAnswered,
    rules: RULES,
    lang: 'ja',
  };
}

async function result(e: LedgerEvidence, name: string) {
  const report = await runLedgerChecks(e, SUBJECT);
  return report.checks.find((c) => c.name === name)!;
}

describe('SPEC §9 checks at their boundaries', () => {
  it('契約保証: exactly 10% of the price passes, one yen less fails', async () => {
    expect((await result(evidence('contract', payload({ amount: 8_800_000 })), 'guarantee-amount')).result).toBe('passed');
    const short = await result(evidence('contract', payload({ amount: 8_799_999 })), 'guarantee-amount');
    expect(short).toMatchObject({ result: 'failed', detail: '保証金額 金8,799,999円 が、請負代金額の10%（金8,800,000円）に足りません。' });
  });

  it("10% of a price that is not a multiple of 10 is never rounded in the payer's favour", async () => {
    const e = {
      ...evidence('contract', payload({ amount: 1, price: 11 })),
      contract: { ...evidence('contract', payload({ amount: 1 })).contract, contractPrice: 11 },
    };
    expect((await result({ ...e, payload: payload({ amount: 1, price: 11 }) }, 'guarantee-amount')).result).toBe('failed');
    expect((await result({ ...e, payload: payload({ amount: 2, price: 11 }) }, 'guarantee-amount')).result).toBe('passed');
  });

  it('前払金保証: advance exactly 40% passes, one yen more fails; the amount must equal the advance', async () => {
    expect((await result(evidence('advance_payment', payload({ amount: 35_200_000, advancePayment: 35_200_000 })), 'guarantee-amount')).result).toBe('passed');
    expect((await result(evidence('advance_payment', payload({ amount: 35_200_001, advancePayment: 35_200_001 })), 'guarantee-amount')).result).toBe('failed');
    const unequal = await result(evidence('advance_payment', payload({ amount: 35_000_000, advancePayment: 35_200_000 })), 'guarantee-amount');
    expect(unequal).toMatchObject({ result: 'failed', detail: '保証金額 金35,000,000円 が、前払金額 金35,200,000円 と異なります。' });
  });

  it('中間前払金保証: advance exactly 20% passes, one yen more fails', async () => {
    expect((await result(evidence('interim_advance_payment', payload({ amount: 17_600_000, advancePayment: 17_600_000 })), 'guarantee-amount')).result).toBe(
      'passed',
    );
    expect((await result(evidence('interim_advance_payment', payload({ amount: 17_600_001, advancePayment: 17_600_001 })), 'guarantee-amount')).result).toBe(
      'failed',
    );
  });

  it("an organisation's own ratio replaces the default", async () => {
    const e = { ...evidence('contract', payload({ amount: 8_800_000 })), rules: { ...RULES, contractGuaranteeBp: 3000 } };
    expect(await result(e, 'guarantee-amount')).toMatchObject({
      result: 'failed',
      detail: '保証金額 金8,800,000円 が、請負代金額の30%（金26,400,000円）に足りません。',
    });
  });

  it('the guarantee period may end on the last day of the works, not the day before', async () => {
    expect((await result(evidence('contract', payload({ amount: 8_800_000, guaranteeTo: '2025-02-28' })), 'guarantee-period')).result).toBe('passed');
    expect(await result(evidence('contract', payload({ amount: 8_800_000, guaranteeTo: '2025-02-27' })), 'guarantee-period')).toMatchObject({
      result: 'failed',
      detail: '保証期間の終期（令和7年2月27日）が、工期の終期（令和7年2月28日）より前です。',
    });
  });

  it("names match after NFKC, without spaces, with 株式会社 / (株) / ㈱ alike; prices must be equal; the obligee must be the organisation's", async () => {
    expect(nameKey('備後建設㈱')).toBe(nameKey('備後建設 株式会社'));
    expect(nameKey('備後建設（株）')).toBe(nameKey('備後建設株式会社'));
    const e = evidence('contract', payload({ amount: 8_800_000 }));
    expect((await result(e, 'contract-contractor')).result).toBe('passed');
    expect((await result(e, 'contract-project')).result).toBe('passed');
    expect((await result(evidence('contract', payload({ amount: 8_800_000, contractor: '備後建設有限会社' })), 'contract-contractor')).result).toBe('failed');
    expect((await result(evidence('contract', payload({ amount: 8_800_000, project: '芦田川護岸改修工事（その2）' })), 'contract-project')).result).toBe(
      'failed',
    );
    expect((await result(evidence('contract', payload({ amount: 8_800_000, price: PRICE + 1 })), 'contract-price')).result).toBe('failed');
    expect((await result(evidence('contract', payload({ amount: 8_800_000 }), false), 'contract-obligee')).result).toBe('failed');
  });

  it('runs in the §6 runner: a check that crashes is indeterminate, and the others still run', async () => {
    const broken = { ...payload({ amount: 1 }), guarantee: undefined } as unknown as PublicPayload;
    const report = await runLedgerChecks(evidence('contract', broken), SUBJECT);
    expect(report.checks.map((c) => c.name)).toEqual(LEDGER_CHECKS.map((c) => c.name));
    expect(report.checks.find((c) => c.name === 'guarantee-amount')!.result).toBe('indeterminate');
    expect(report.checks.find((c) => c.name === 'contract-price')!.result).toBe('passed');
    expect(report.result).toBe('indeterminate');
  });
});

describe('SPEC §9 states', () => {
  const linked = { withdrawn: false, unfiledHigherRevision: false, issuedBeforeChange: false, anyCheckFailed: false };
  it('missing, withdrawn, needs_change, mismatch, ok in that order of precedence', () => {
    expect(guaranteeState(null)).toBe('missing');
    expect(guaranteeState({ ...linked, withdrawn: true, unfiledHigherRevision: true, anyCheckFailed: true })).toBe('withdrawn');
    expect(guaranteeState({ ...linked, unfiledHigherRevision: true })).toBe('needs_change');
    expect(guaranteeState({ ...linked, anyCheckFailed: true, issuedBeforeChange: true })).toBe('needs_change');
    expect(guaranteeState({ ...linked, issuedBeforeChange: true })).toBe('ok');
    expect(guaranteeState({ ...linked, anyCheckFailed: true })).toBe('mismatch');
    expect(guaranteeState(linked)).toBe('ok');
  });
  it('complete when all ok (or none required), incomplete when only missing ones stand out, else attention', () => {
    expect(contractState([])).toBe('complete');
    expect(contractState(['ok', 'ok'])).toBe('complete');
    expect(contractState(['ok', 'missing'])).toBe('incomplete');
    expect(contractState(['missing', 'mismatch'])).toBe('attention');
  });
});
