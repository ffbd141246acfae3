import type { Queryable, Tx } from '../db/index.js';
import { CONTRACT_STATES, type ContractState } from './state.js';

/**
 * Runs queries over many contracts' states in one snapshot with JIT off: the views' estimated cost
 * passes the JIT threshold, and compiling took 170 ms of a 260 ms count of 1,000 contracts. Inside
 * the caller's transaction the setting lasts until it ends, and the caller's snapshot rules.
 */
export async function withoutJit<T>(db: Queryable, run: (q: Queryable) => Promise<T>): Promise<T> {
  if ('begin' in db) {
    return db.begin('isolation level repeatable read', async (tx) => {
      await tx`set local jit = off`;
      return run(tx);
    }) as Promise<T>;
  }
  await (db as Tx)`set local jit = off`;
  return run(db);
}

/** Every contract of one organisation with its SPEC §9 state, as the contract_states view computes it. */
export interface OrganisationStates {
  byContract: ReadonlyMap<string, ContractState>;
  counts: Readonly<Record<ContractState, number>>;
}

/**
 * What this process last computed per organisation, and the ledger version it computed it at. The
 * version (sql/061) changes in the transaction of every write the states are computed from, and
 * never repeats, so a result is used only while nothing it was computed from has changed; another
 * instance's write changes the row every instance reads. At most KEPT_ORGANISATIONS are kept, the
 * least recently used dropped first, so a service for many organisations holds a bounded amount.
 */
const computed = new Map<string, { version: string; states: Promise<OrganisationStates> }>();

/** About 1.5 MB each at 10,000 contracts: a bound a shared instance's memory can afford. */
export const KEPT_ORGANISATIONS = 64;

/** Keeps what was computed for an organisation as the most recently used, dropping the least recent beyond the bound. */
function keep(orgId: string, held: { version: string; states: Promise<OrganisationStates> }): void {
  computed.delete(orgId);
  computed.set(orgId, held);
  for (const oldest of computed.keys()) {
    if (computed.size <= KEPT_ORGANISATIONS) break;
    computed.delete(oldest);
  }
}

/**
 * Every contract's state in the organisation: computed from what is stored (the views of sql/060)
 * once per ledger version, not once per request. The version is read before the states, in the
 * same snapshot, so what is kept for a version is never older than it.
 */
export function organisationStates(db: Queryable, orgId: string): Promise<OrganisationStates> {
  return withoutJit(db, async (q) => {
    const [row] = await q<{ version: string }[]>`select version from ledger_versions where org_id = ${orgId}`;
    const held = computed.get(orgId);
    if (row && held?.version === row.version) {
      keep(orgId, held);
      return held.states;
    }
    const states = compute(q, orgId);
    if (row) {
      keep(orgId, { version: row.version, states });
      states.catch(() => {
        if (computed.get(orgId)?.states === states) computed.delete(orgId);
      });
    }
    return states;
  });
}

async function compute(q: Queryable, orgId: string): Promise<OrganisationStates> {
  const rows = await q<{ contract_id: string; state: ContractState }[]>`
    select contract_id, state from contract_states where org_id = ${orgId}`;
  const counts = Object.fromEntries(CONTRACT_STATES.map((s) => [s, 0])) as Record<ContractState, number>;
  for (const r of rows) counts[r.state]++;
  return { byContract: new Map(rows.map((r) => [r.contract_id, r.state])), counts };
}
