import { trackContractGuarantees } from '../alerts/index.js';
import { appendAudit } from '../auditlog/index.js';
import type { Queryable, Sql, Tx } from '../db/index.js';
import { contractColumns, isChangeContract, toContract, type Contract, type ContractInput, type ContractRow } from './contract.js';
import { nameKey } from './names.js';

export interface Actor {
  actor: string;
  client?: string | null;
  requestId?: string | null;
}

export interface PutOutcome {
  contract: Contract;
  created: boolean;
  /** A replacement that moved period.to later or changed the price. */
  changeContract: boolean;
  /** A replacement that changed nothing. */
  unchanged: boolean;
}

/** The organisation's contract by its reference; null when it has none (another's is never found). */
export async function findContract(db: Queryable, orgId: string, reference: string): Promise<Contract | null> {
  const [row] = await db<ContractRow[]>`select ${contractColumns(db)} from contracts c where c.org_id = ${orgId} and c.reference = ${reference}`;
  return row ? toContract(row) : null;
}

/** The columns written for a contract's own fields, with the names as matched. */
export const contractFields = (input: ContractInput) => ({
  project_name: input.projectName,
  contractor_name: input.contractor.name,
  contractor_email: input.contractor.email ?? null,
  contract_price: input.contractPrice,
  contract_date: input.contractDate,
  period_from: input.period.from,
  period_to: input.period.to,
  required: input.required,
  section: input.section ?? null,
  project_key: nameKey(input.projectName),
  contractor_key: nameKey(input.contractor.name),
});

/** Whether a replacement would change nothing. */
export function sameTerms(c: Contract, input: ContractInput): boolean {
  return (
    c.projectName === input.projectName &&
    c.contractor.name === input.contractor.name &&
    (c.contractor.email ?? null) === (input.contractor.email ?? null) &&
    c.contractPrice === input.contractPrice &&
    c.contractDate === input.contractDate &&
    c.period.from === input.period.from &&
    c.period.to === input.period.to &&
    c.required.join() === input.required.join() &&
    (c.section ?? null) === (input.section ?? null)
  );
}

/**
 * Creates or replaces one contract inside the caller's transaction, with its audit entry. A change
 * contract records when it happened: guarantees issued before it that now fail a check need a 変更.
 */
export async function putContractIn(tx: Tx, orgId: string, reference: string, input: ContractInput, who: Actor): Promise<PutOutcome> {
  const fields = contractFields(input);
  const [inserted] = await tx<{ id: string }[]>`
    insert into contracts ${tx({ org_id: orgId, reference, ...fields })}
    on conflict (org_id, reference) do nothing returning id`;
  let outcome: Omit<PutOutcome, 'contract'>;
  if (inserted) {
    outcome = { created: true, changeContract: false, unchanged: false };
  } else {
    const [row] = await tx<ContractRow[]>`select ${contractColumns(tx)} from contracts c where c.org_id = ${orgId} and c.reference = ${reference} for update`;
    const before = toContract(row!);
    const changeContract = isChangeContract(before, input);
    const unchanged = sameTerms(before, input);
    if (!unchanged) {
      await tx`update contracts set ${tx(fields)}, updated_at = now() ${changeContract ? tx`, changed_at = now()` : tx``}
               where id = ${before.id}`;
    }
    outcome = { created: false, changeContract, unchanged };
  }
  const contract = (await findContract(tx, orgId, reference))!;
  if (!outcome.unchanged) {
    await appendAudit(tx, [
      {
        action: outcome.created ? 'contract.create' : 'contract.replace',
        outcome: outcome.changeContract ? 'change_contract' : 'success',
        actor: who.actor,
        orgId,
        client: who.client ?? null,
        requestId: who.requestId ?? null,
        subject: reference,
        detail: { ...input, changeContract: outcome.changeContract },
      },
    ]);
    await trackContractGuarantees(tx, orgId, [reference], who.actor);
  }
  return { contract, ...outcome };
}

/** `PUT /api/v1/contracts/:reference`: one contract, in its own transaction. */
export function putContract(sql: Sql, orgId: string, reference: string, input: ContractInput, who: Actor): Promise<PutOutcome> {
  return sql.begin((tx) => putContractIn(tx, orgId, reference, input, who));
}
