/** SPEC §9 states: pure, the same rule as the contract_guarantee_states and contract_states views (sql/060). */

export const GUARANTEE_STATES = ['missing', 'withdrawn', 'needs_change', 'mismatch', 'ok'] as const;
export type GuaranteeState = (typeof GUARANTEE_STATES)[number];
export const CONTRACT_STATES = ['complete', 'incomplete', 'attention'] as const;
export type ContractState = (typeof CONTRACT_STATES)[number];

/** What the rule reads about the highest linked revision of one required kind (null: none linked). */
export interface LinkedRevisionFacts {
  withdrawn: boolean;
  /** A higher revision of that certificate exists (not issued in error) that the organisation has not filed. */
  unfiledHigherRevision: boolean;
  /** The contract changed (変更契約) after this revision was issued. */
  issuedBeforeChange: boolean;
  anyCheckFailed: boolean;
}

export function guaranteeState(facts: LinkedRevisionFacts | null): GuaranteeState {
  if (!facts) return 'missing';
  if (facts.withdrawn) return 'withdrawn';
  if (facts.unfiledHigherRevision || (facts.anyCheckFailed && facts.issuedBeforeChange)) return 'needs_change';
  return facts.anyCheckFailed ? 'mismatch' : 'ok';
}

export function contractState(states: readonly GuaranteeState[]): ContractState {
  if (states.every((s) => s === 'ok')) return 'complete';
  return states.every((s) => s === 'ok' || s === 'missing') ? 'incomplete' : 'attention';
}
