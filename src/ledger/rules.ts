import type { Queryable } from '../db/index.js';

/** An organisation's ledger rules (SPEC §9, §10); ratios in basis points, so 10% is exactly 1000. */
export interface LedgerRules {
  contractGuaranteeBp: number;
  advanceBp: number;
  interimBp: number;
  missingAfterDays: number;
}

export interface LedgerRulesChange {
  contractGuaranteeRatio?: number;
  advanceRatio?: number;
  interimRatio?: number;
  missingAfterDays?: number;
}

const toBp = (ratio: string) => Math.round(Number(ratio) * 10_000);

/** The organisation's rules, the 公共工事標準請負契約約款 defaults where it set none (sql/060). */
export async function ledgerRules(db: Queryable, orgId: string): Promise<LedgerRules> {
  const [row] = await db<{ contract_guarantee_ratio: string; advance_ratio: string; interim_ratio: string; missing_after_days: number }[]>`
    select contract_guarantee_ratio, advance_ratio, interim_ratio, missing_after_days from organisation_ledger_rules where org_id = ${orgId}`;
  if (!row) throw new Error(`no organisation ${orgId}`);
  return {
    contractGuaranteeBp: toBp(row.contract_guarantee_ratio),
    advanceBp: toBp(row.advance_ratio),
    interimBp: toBp(row.interim_ratio),
    missingAfterDays: row.missing_after_days,
  };
}

/** Sets the given rules, leaving the others as they were. */
export async function setLedgerRules(db: Queryable, orgId: string, change: LedgerRulesChange): Promise<void> {
  await db`
    insert into ledger_rules (org_id, contract_guarantee_ratio, advance_ratio, interim_ratio, missing_after_days)
    values (${orgId}, ${change.contractGuaranteeRatio ?? null}, ${change.advanceRatio ?? null}, ${change.interimRatio ?? null}, ${change.missingAfterDays ?? null})
    on conflict (org_id) do update set
      contract_guarantee_ratio = coalesce(excluded.contract_guarantee_ratio, ledger_rules.contract_guarantee_ratio),
      advance_ratio = coalesce(excluded.advance_ratio, ledger_rules.advance_ratio),
      interim_ratio = coalesce(excluded.interim_ratio, ledger_rules.interim_ratio),
      missing_after_days = coalesce(excluded.missing_after_days, ledger_rules.missing_after_days),
      updated_at = now()`;
}
