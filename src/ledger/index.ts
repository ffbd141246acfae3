import type { Queryable } from '../db/index.js';
import type { Lang } from '../render/index.js';
import { withGuarantees, type ContractWithGuarantees } from './guarantees.js';
import { findContract } from './store.js';

export { REQUIREMENTS, requirementOf, parseRequirement, type Requirement } from './kinds.js';
export { nameKey } from './names.js';
export { contractInputSchema, referenceSchema, type Contract, type ContractInput } from './contract.js';
export { putContract, putContractIn, findContract, type Actor, type PutOutcome } from './store.js';
export { withGuarantees, toContractJson, type Guarantee, type ContractWithGuarantees } from './guarantees.js';
export { linkAtFiling, setArchiveContract, LinkRefused } from './links.js';
export {
  listContracts,
  countContractStates,
  listGuaranteeStates,
  contractSearchSchema,
  CONTRACT_SORT_KEYS,
  MAX_CONTRACT_PAGE,
  type ContractSearch,
  type ContractSortKey,
  type ContractSummary,
  type GuaranteeStateRow,
} from './list.js';
export { ledgerRules, setLedgerRules, type LedgerRules, type LedgerRulesChange } from './rules.js';
export { GUARANTEE_STATES, CONTRACT_STATES, guaranteeState, contractState, type GuaranteeState, type ContractState } from './state.js';
export { LEDGER_CHECKS, runLedgerChecks, type LedgerEvidence } from './checks.js';

/**
 * The guarantee states of one contract of the organisation, computed inside the given transaction
 * or pool (SPEC §9; what SPEC §10's needs_change and mismatch alerts compare). Null when the
 * organisation has no such contract.
 */
export async function guaranteeStatesOf(db: Queryable, orgId: string, reference: string, lang: Lang = 'ja'): Promise<ContractWithGuarantees | null> {
  const contract = await findContract(db, orgId, reference);
  return contract ? withGuarantees(db, contract, lang) : null;
}
export { importContracts, previewImport, type ImportPlan, type ImportResult, type ImportAction } from './import.js';
export { parseContractsCsv, decodeCsv, parseAmount, parseDate, MAX_CSV_BYTES, type CsvError } from './csv.js';
export { saveImportDraft, loadImportDraft, dropImportDraft } from './drafts.js';
/** The audit log actions this capability records (auditlog/actions.ts joins every list into AuditAction). */
export const LEDGER_AUDIT_ACTIONS = ['contract.create', 'contract.replace', 'contract.link', 'contract.unlink', 'admin.org.set'] as const;
