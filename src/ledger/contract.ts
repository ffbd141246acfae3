import { z } from 'zod';
import type { Queryable } from '../db/index.js';
import { isCalendarDate } from '../domain/index.js';
import { parseRequirement, REQUIREMENTS, type Requirement } from './kinds.js';

/** A contract of the ledger (SPEC §9), as stored. */
export interface Contract {
  id: string;
  orgId: string;
  reference: string;
  projectName: string;
  contractor: { name: string; email?: string };
  contractPrice: number;
  contractDate: string;
  period: { from: string; to: string };
  required: Requirement[];
  section?: string;
  createdAt: Date;
  updatedAt: Date;
  /** When the last change contract (変更契約) was recorded; null before any. */
  changedAt: Date | null;
}

/** No control or bidirectional characters in anything a person typed (as SPEC §2 asks of events). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), 'must not contain control characters');
const date = z.string().refine(isCalendarDate, 'must be a real date written YYYY-MM-DD');

/** The owner's own contract number: 1–64 characters, kept exactly as given. */
export const referenceSchema = z
  .string()
  .min(1, 'must not be empty')
  .refine((s) => [...s].length <= 64, 'must be at most 64 characters')
  .refine((s) => !CONTROL.test(s) && s.trim() === s, 'must not contain control characters or begin or end with a space')
  // a URL's path drops these segments, so /contracts/:reference could never reach such a contract
  .refine((s) => s !== '.' && s !== '..', 'must not be "." or ".."');

export const requiredSchema = z
  .array(z.string().max(40))
  .max(10)
  .transform((kinds, ctx) => {
    const out: Requirement[] = [];
    for (const [i, kind] of kinds.entries()) {
      const requirement = parseRequirement(kind);
      if (!requirement) {
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `"${kind}" is not a kind of guarantee (${REQUIREMENTS.join(', ')}, performance_bond, performance_insurance)`,
        });
        return z.NEVER;
      }
      if (!out.includes(requirement)) out.push(requirement);
    }
    return out;
  });

/**
 * The contract's own fields, as `PUT /api/v1/contracts/:reference` takes them. What a GET answers
 * besides (reference, times, guarantees, state) may be sent back unchanged and is ignored.
 */
export const contractInputSchema = z.strictObject({
  projectName: text(400),
  contractor: z.strictObject({ name: text(200), email: z.email('must be an e-mail address').max(254).optional() }),
  contractPrice: z.number().int('must be whole yen').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER),
  contractDate: date,
  period: z.strictObject({ from: date, to: date }).refine((p) => p.from <= p.to, { message: '"from" must not be after "to"', path: ['to'] }),
  required: requiredSchema,
  section: text(200).optional(),
  reference: z.string().optional(),
  createdAt: z.unknown().optional(),
  updatedAt: z.unknown().optional(),
  guarantees: z.unknown().optional(),
  state: z.unknown().optional(),
});
export type ContractInput = Omit<z.infer<typeof contractInputSchema>, 'reference' | 'createdAt' | 'updatedAt' | 'guarantees' | 'state'>;

export interface ContractRow {
  id: string;
  org_id: string;
  reference: string;
  project_name: string;
  contractor_name: string;
  contractor_email: string | null;
  contract_price: string;
  contract_date: string;
  period_from: string;
  period_to: string;
  required: Requirement[];
  section: string | null;
  created_at: Date;
  updated_at: Date;
  changed_at: Date | null;
}

/** The columns of a ContractRow, over `contracts c`. */
export function contractColumns(db: Queryable) {
  return db`c.id, c.org_id, c.reference, c.project_name, c.contractor_name, c.contractor_email, c.contract_price,
    to_char(c.contract_date, 'YYYY-MM-DD') as contract_date, to_char(c.period_from, 'YYYY-MM-DD') as period_from,
    to_char(c.period_to, 'YYYY-MM-DD') as period_to, c.required, c.section, c.created_at, c.updated_at, c.changed_at`;
}

export function toContract(r: ContractRow): Contract {
  return {
    id: r.id,
    orgId: r.org_id,
    reference: r.reference,
    projectName: r.project_name,
    contractor: r.contractor_email ? { name: r.contractor_name, email: r.contractor_email } : { name: r.contractor_name },
    contractPrice: Number(r.contract_price),
    contractDate: r.contract_date,
    period: { from: r.period_from, to: r.period_to },
    required: r.required,
    ...(r.section ? { section: r.section } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    changedAt: r.changed_at,
  };
}

/** SPEC §9: a replacement that moves period.to later or changes the price is a change contract (変更契約). */
export function isChangeContract(before: Pick<Contract, 'contractPrice' | 'period'>, after: Pick<ContractInput, 'contractPrice' | 'period'>): boolean {
  return after.period.to > before.period.to || after.contractPrice !== before.contractPrice;
}

/** The JST calendar day of an instant (Japan keeps +09:00 all year). */
export function jstDate(instant: Date): string {
  return new Date(instant.getTime() + 9 * 3_600_000).toISOString().slice(0, 10);
}
