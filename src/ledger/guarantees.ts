import { answersFor } from '../auth/index.js';
import type { CheckName, CheckResult } from '../audit/index.js';
import type { Queryable } from '../db/index.js';
import { acceptedInPlaceNote, type Kind, type PublicPayload } from '../domain/index.js';
import { revisionFacts, statusAmong } from '../feed/index.js';
import type { Lang, MessageKey } from '../render/index.js';
import { runLedgerChecks } from './checks.js';
import { jstDate, type Contract } from './contract.js';
import type { Requirement } from './kinds.js';
import { ledgerRules } from './rules.js';
import { contractState, guaranteeState, type ContractState, type GuaranteeState } from './state.js';

/** SPEC §9 guarantee: one per required kind, from the highest linked revision of that kind. */
export interface Guarantee {
  kind: Requirement;
  state: GuaranteeState;
  archiveId: string | null;
  number: string | null;
  revision: number | null;
  checks: Array<{ name: CheckName; result: CheckResult; detail: string }>;
  /** For pages: the certificate's own kind, the filed revision, and why it needs a 変更. */
  certificateKind: Kind | null;
  /** the words saying an insurer's 証券 is taken as this requirement, when it is */
  acceptedInPlace: MessageKey | null;
  certificateId: string | null;
  revisionType: string | null;
  issuedOn: string | null;
  unfiledRevision: number | null;
  changedAfterIssue: boolean;
}

export interface ContractWithGuarantees extends Contract {
  state: ContractState;
  guarantees: Guarantee[];
}

type LinkedRow = {
  requirement: Requirement;
  archive_id: string;
  issuer_id: string;
  number: string;
  kind: Kind;
  revision: number;
  revision_id: string;
  revision_type: string;
  issued_on: string;
  payload: PublicPayload;
  jws_sha256: string;
  iss: string;
};

/**
 * The contract with each required guarantee's state, its checks run through the §6 runner, inside
 * whatever transaction or pool `db` is. Computed from what is stored each time: the same rule as
 * the contract_guarantee_states view the list uses.
 */
export async function withGuarantees(db: Queryable, contract: Contract, lang: Lang = 'ja'): Promise<ContractWithGuarantees> {
  const rules = await ledgerRules(db, contract.orgId);
  const linked = await db<LinkedRow[]>`
    select distinct on (l.requirement) l.requirement, a.id as archive_id, a.issuer_id, a.number, a.kind, a.revision, a.revision_id,
           a.revision_type, to_char(r.issued_on, 'YYYY-MM-DD') as issued_on, r.payload, a.jws_sha256, i.iss
    from contract_links l
    join archive_records a on a.id = l.archive_id
    join certificate_revisions r on r.id = a.revision_id
    join issuers i on i.id = a.issuer_id
    where l.contract_id = ${contract.id}
    order by l.requirement, a.revision desc, a.archived_at desc, a.id desc`;
  const guarantees: Guarantee[] = [];
  for (const kind of contract.required) {
    const row = linked.find((l) => l.requirement === kind);
    guarantees.push(row ? await linkedGuarantee(db, contract, rules, row, lang) : missing(kind));
  }
  return { ...contract, state: contractState(guarantees.map((g) => g.state)), guarantees };
}

function missing(kind: Requirement): Guarantee {
  return {
    kind,
    state: 'missing',
    archiveId: null,
    number: null,
    revision: null,
    checks: [],
    certificateKind: null,
    acceptedInPlace: null,
    certificateId: null,
    revisionType: null,
    issuedOn: null,
    unfiledRevision: null,
    changedAfterIssue: false,
  };
}

async function linkedGuarantee(
  db: Queryable,
  contract: Contract,
  rules: Awaited<ReturnType<typeof ledgerRules>>,
  row: LinkedRow,
  lang: Lang,
): Promise<Guarantee> {
  const facts = await revisionFacts(db, { issuerId: row.issuer_id, number: row.number, kind: row.kind });
  const filed = await db<{ revision: number }[]>`
    select revision from archive_records where org_id = ${contract.orgId} and issuer_id = ${row.issuer_id} and number = ${row.number} and kind = ${row.kind}`;
  const unfiled = facts
    .filter((f) => f.revision > row.revision && f.issuedOn !== '' && f.withdrawal?.reason !== 'issued_in_error')
    .filter((f) => !filed.some((r) => r.revision === f.revision))
    .map((f) => f.revision);
  const report = await runLedgerChecks(
    {
      contract: {
        projectName: contract.projectName,
        contractorName: contract.contractor.name,
        contractPrice: contract.contractPrice,
        periodTo: contract.period.to,
      },
      requirement: row.requirement,
      payload: row.payload,
      obligeeAnswered: await answersFor(db, contract.orgId, row.payload.obligee),
      rules,
      lang,
    },
    { number: row.number, kind: row.kind, revision: row.revision, issuer: row.iss, jwsSha256: row.jws_sha256, archiveId: row.archive_id },
  );
  const changedAfterIssue = contract.changedAt !== null && row.issued_on < jstDate(contract.changedAt);
  const state = guaranteeState({
    withdrawn: statusAmong(facts, row.revision)?.status === 'withdrawn',
    unfiledHigherRevision: unfiled.length > 0,
    issuedBeforeChange: changedAfterIssue,
    anyCheckFailed: report.checks.some((c) => c.result === 'failed'),
  });
  return {
    kind: row.requirement,
    state,
    archiveId: row.archive_id,
    number: row.number,
    revision: row.revision,
    checks: report.checks,
    certificateKind: row.kind,
    acceptedInPlace: acceptedInPlaceNote(row.requirement, row.kind),
    certificateId: row.revision_id,
    revisionType: row.revision_type,
    issuedOn: row.issued_on,
    unfiledRevision: unfiled.length ? Math.max(...unfiled) : null,
    changedAfterIssue,
  };
}

/** SPEC §9 contract JSON: the contract's own fields, its times, its state and its guarantees. */
export function toContractJson(c: ContractWithGuarantees) {
  return {
    reference: c.reference,
    projectName: c.projectName,
    contractor: c.contractor,
    contractPrice: c.contractPrice,
    contractDate: c.contractDate,
    period: c.period,
    required: c.required,
    ...(c.section ? { section: c.section } : {}),
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    state: c.state,
    guarantees: c.guarantees.map((g) => ({ kind: g.kind, state: g.state, archiveId: g.archiveId, number: g.number, revision: g.revision, checks: g.checks })),
  };
}
