import { failed, passed, runChecks, type Check, type CheckOutcome, type ReportSubject, type VerificationReport } from '../audit/index.js';
import { formatWareki, formatYen, type PublicPayload } from '../domain/index.js';
import { translate, type Lang, type MessageKey, type MessageParams } from '../render/index.js';
import type { Requirement } from './kinds.js';
import { nameKey } from './names.js';
import type { LedgerRules } from './rules.js';

/** What the contract says, as the checks read it. */
export interface ContractTerms {
  projectName: string;
  contractorName: string;
  contractPrice: number;
  periodTo: string;
}

/** One filed revision against its contract. */
export interface LedgerEvidence {
  contract: ContractTerms;
  requirement: Requirement;
  payload: PublicPayload;
  /** The certificate is addressed to an obligee the organisation answers for. */
  obligeeAnswered: boolean;
  rules: LedgerRules;
  lang: Lang;
}

type Say = (key: MessageKey, params?: MessageParams) => string;
const sayer =
  (e: LedgerEvidence): Say =>
  (key, params) =>
    translate(e.lang, key, params);
const day = (e: LedgerEvidence, iso: string) => (e.lang === 'ja' ? formatWareki(iso) : iso);
const percent = (bp: number) => String(bp / 100);

/** price × bp / 10000, rounded the given way, in exact integer arithmetic (10% of a price is never 0.1 off). */
function share(price: number, bp: number, round: 'up' | 'down'): number {
  const scaled = BigInt(price) * BigInt(bp);
  return Number(round === 'up' ? (scaled + 9_999n) / 10_000n : scaled / 10_000n);
}
const atLeastShare = (amount: number, price: number, bp: number) => BigInt(amount) * 10_000n >= BigInt(price) * BigInt(bp);
const atMostShare = (amount: number, price: number, bp: number) => BigInt(amount) * 10_000n <= BigInt(price) * BigInt(bp);

const obligee: Check<LedgerEvidence> = {
  name: 'contract-obligee',
  applies: () => true,
  run(e) {
    const say = sayer(e);
    const params = { obligee: e.payload.obligee.name };
    return e.obligeeAnswered ? passed(say('ledger.check.obligee.passed', params)) : failed(say('ledger.check.obligee.failed', params));
  },
};

function sameName(
  name: 'contract-contractor' | 'contract-project',
  ofCertificate: (p: PublicPayload) => string,
  ofContract: (c: ContractTerms) => string,
): Check<LedgerEvidence> {
  const key = name === 'contract-contractor' ? 'contractor' : 'project';
  return {
    name,
    applies: () => true,
    run(e) {
      const say = sayer(e);
      const params = { certificate: ofCertificate(e.payload), contract: ofContract(e.contract) };
      return nameKey(params.certificate) === nameKey(params.contract)
        ? passed(say(`ledger.check.${key}.passed`, params))
        : failed(say(`ledger.check.${key}.failed`, params));
    },
  };
}

const price: Check<LedgerEvidence> = {
  name: 'contract-price',
  applies: () => true,
  run(e) {
    const say = sayer(e);
    const params = { certificate: formatYen(e.payload.project.contractPrice), contract: formatYen(e.contract.contractPrice) };
    return e.payload.project.contractPrice === e.contract.contractPrice
      ? passed(say('ledger.check.price.passed', params))
      : failed(say('ledger.check.price.failed', params));
  },
};

const amount: Check<LedgerEvidence> = {
  name: 'guarantee-amount',
  applies: () => true,
  run(e): CheckOutcome {
    const say = sayer(e);
    const contractPrice = e.contract.contractPrice;
    const { amount: guaranteed, advancePayment } = e.payload.guarantee;
    if (e.requirement === 'contract') {
      const params = {
        amount: formatYen(guaranteed),
        ratio: percent(e.rules.contractGuaranteeBp),
        min: formatYen(share(contractPrice, e.rules.contractGuaranteeBp, 'up')),
      };
      return atLeastShare(guaranteed, contractPrice, e.rules.contractGuaranteeBp)
        ? passed(say('ledger.check.amount.contract.passed', params))
        : failed(say('ledger.check.amount.contract.failed', params));
    }
    if (advancePayment === undefined) return failed(say('ledger.check.amount.noAdvance'));
    const bp = e.requirement === 'advance_payment' ? e.rules.advanceBp : e.rules.interimBp;
    const params = { advance: formatYen(advancePayment), amount: formatYen(guaranteed), ratio: percent(bp), max: formatYen(share(contractPrice, bp, 'down')) };
    const problems = [
      ...(atMostShare(advancePayment, contractPrice, bp)
        ? []
        : [say(e.requirement === 'advance_payment' ? 'ledger.check.amount.advance.over' : 'ledger.check.amount.interim.over', params)]),
      ...(e.requirement === 'advance_payment' && guaranteed !== advancePayment ? [say('ledger.check.amount.advance.unequal', params)] : []),
    ];
    if (problems.length) return failed(problems.join(' '));
    return passed(say(e.requirement === 'advance_payment' ? 'ledger.check.amount.advance.passed' : 'ledger.check.amount.interim.passed', params));
  },
};

const period: Check<LedgerEvidence> = {
  name: 'guarantee-period',
  applies: () => true,
  run(e) {
    const say = sayer(e);
    const guaranteeTo = e.payload.guarantee.period.to;
    const params = { guarantee: day(e, guaranteeTo), contract: day(e, e.contract.periodTo) };
    return guaranteeTo >= e.contract.periodTo ? passed(say('ledger.check.period.passed', params)) : failed(say('ledger.check.period.failed', params));
  },
};

/** SPEC §9, in report order. */
export const LEDGER_CHECKS: readonly Check<LedgerEvidence>[] = [
  obligee,
  sameName(
    'contract-contractor',
    (p) => p.contractor.name,
    (c) => c.contractorName,
  ),
  sameName(
    'contract-project',
    (p) => p.project.name,
    (c) => c.projectName,
  ),
  price,
  amount,
  period,
];

/** The §9 checks through the §6 runner: a check that throws is indeterminate, never passed. */
export function runLedgerChecks(
  e: LedgerEvidence,
  subject: ReportSubject,
  checks: readonly Check<LedgerEvidence>[] = LEDGER_CHECKS,
): Promise<VerificationReport> {
  return runChecks(checks, e, subject);
}
