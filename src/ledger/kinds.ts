/**
 * The one place that says which certificate kinds fulfil which requirement of a contract (SPEC §9):
 * an insurer's 公共工事履行保証証券 or 履行保証保険 fulfils a `contract` requirement, as the owner
 * accepts any of them as 契約保証. The insurer kinds arrive with the insurer branch's event schema;
 * they are named here as strings so the ledger does not wait for it.
 */

/** What a contract can require. */
export const REQUIREMENTS = ['advance_payment', 'interim_advance_payment', 'contract'] as const;
export type Requirement = (typeof REQUIREMENTS)[number];

/** Certificate kinds, by the requirement each fulfils. */
const FULFILS: Readonly<Record<string, Requirement>> = {
  advance_payment: 'advance_payment',
  interim_advance_payment: 'interim_advance_payment',
  contract: 'contract',
  performance_bond: 'contract',
  performance_insurance: 'contract',
};

/** The words a contract clerk writes in a CSV's 必要な保証 column, for each kind. */
const JAPANESE_NAMES: Readonly<Record<string, string>> = {
  前払金保証: 'advance_payment',
  中間前払金保証: 'interim_advance_payment',
  契約保証: 'contract',
  履行保証証券: 'performance_bond',
  公共工事履行保証証券: 'performance_bond',
  履行保証保険: 'performance_insurance',
};

/** The requirement a certificate of this kind fulfils; null for a kind the ledger does not know. */
export function requirementOf(kind: string): Requirement | null {
  return Object.hasOwn(FULFILS, kind) ? FULFILS[kind]! : null;
}

/**
 * A required kind as a person or a program writes it (a SPEC kind or its Japanese name) → the
 * requirement; null when it names no kind.
 */
export function parseRequirement(text: string): Requirement | null {
  const word = text.normalize('NFKC').trim();
  return requirementOf(Object.hasOwn(JAPANESE_NAMES, word) ? JAPANESE_NAMES[word]! : word);
}
