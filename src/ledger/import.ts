import { trackContractGuarantees } from '../alerts/index.js';
import { appendAudit } from '../auditlog/index.js';
import type { Queryable, Sql, Tx } from '../db/index.js';
import type { Lang } from '../render/index.js';
import { contractColumns, isChangeContract, toContract, type Contract, type ContractRow } from './contract.js';
import { parseContractsCsv, type CsvError, type CsvRow } from './csv.js';
import { contractFields, sameTerms, type Actor } from './store.js';

export type ImportAction = 'create' | 'update' | 'unchanged';

export interface ImportPlan {
  rows: Array<CsvRow & { action: ImportAction; changeContract: boolean }>;
  errors: CsvError[];
}

export interface ImportResult {
  created: number;
  updated: number;
  errors: CsvError[];
}

/** Rows written per statement: 11 parameters each stays far below PostgreSQL's 65,535. */
const CHUNK = 2000;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

async function existing(db: Queryable, orgId: string, references: string[], lock: boolean): Promise<Map<string, Contract>> {
  const found = new Map<string, Contract>();
  for (const part of chunks(references)) {
    const rows = await db<ContractRow[]>`
      select ${contractColumns(db)} from contracts c where c.org_id = ${orgId} and c.reference in ${db(part)}
      ${lock ? db`for update` : db``}`;
    for (const r of rows) found.set(r.reference, toContract(r));
  }
  return found;
}

async function plan(db: Queryable, orgId: string, bytes: Uint8Array, lang: Lang, lock: boolean): Promise<ImportPlan> {
  const { rows, errors } = parseContractsCsv(bytes, lang);
  if (errors.length) return { rows: [], errors };
  const known = await existing(
    db,
    orgId,
    rows.map((r) => r.reference),
    lock,
  );
  return {
    errors: [],
    rows: rows.map((row) => {
      const before = known.get(row.reference);
      if (!before) return { ...row, action: 'create', changeContract: false };
      if (sameTerms(before, row.input)) return { ...row, action: 'unchanged', changeContract: false };
      return { ...row, action: 'update', changeContract: isChangeContract(before, row.input) };
    }),
  };
}

/** What importing the file would do, changing nothing: the preview the import page shows. */
export function previewImport(db: Queryable, orgId: string, bytes: Uint8Array, lang: Lang = 'ja'): Promise<ImportPlan> {
  return plan(db, orgId, bytes, lang, false);
}

/**
 * SPEC §9 import: every row or none, in one transaction, each created or replaced contract with
 * its audit entry (a change contract marked as in a PUT). With any error nothing is written.
 */
export async function importContracts(sql: Sql, orgId: string, bytes: Uint8Array, who: Actor, lang: Lang = 'ja'): Promise<ImportResult> {
  return sql.begin(async (tx) => {
    const { rows, errors } = await plan(tx, orgId, bytes, lang, true);
    if (errors.length) return { created: 0, updated: 0, errors };
    const creates = rows.filter((r) => r.action === 'create');
    const updates = rows.filter((r) => r.action === 'update');
    for (const part of chunks(creates)) {
      await tx`insert into contracts ${tx(part.map((r) => ({ org_id: orgId, reference: r.reference, ...contractFields(r.input) })))}`;
    }
    for (const r of updates) {
      await tx`update contracts set ${tx(contractFields(r.input))}, updated_at = now() ${r.changeContract ? tx`, changed_at = now()` : tx``}
               where org_id = ${orgId} and reference = ${r.reference}`;
    }
    await audit(tx, orgId, [...creates, ...updates], who);
    await trackContractGuarantees(
      tx,
      orgId,
      [...creates, ...updates].map((r) => r.reference),
      who.actor,
    );
    return { created: creates.length, updated: updates.length, errors: [] };
  });
}

async function audit(tx: Tx, orgId: string, rows: ImportPlan['rows'], who: Actor): Promise<void> {
  for (const part of chunks(rows)) {
    await appendAudit(
      tx,
      part.map((r) => ({
        action: r.action === 'create' ? 'contract.create' : 'contract.replace',
        outcome: r.changeContract ? 'change_contract' : 'success',
        actor: who.actor,
        orgId,
        client: who.client ?? null,
        requestId: who.requestId ?? null,
        subject: r.reference,
        detail: { ...r.input, changeContract: r.changeContract, via: 'import', line: r.line },
      })),
    );
  }
}
