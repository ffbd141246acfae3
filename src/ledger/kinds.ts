/**
 * Which certificate kinds fulfil which requirement of a contract (SPEC §9), from the domain's one
 * rule (`fulfilsRequirement`): an insurer's 公共工事履行保証証券 or 履行保証保険 fulfils a `contract`
 * requirement, as the owner accepts any of them as 契約保証.
 */
import { KINDS, fulfilsRequirement, type Kind } from '../domain/index.js';

/** What a contract can require: the 保証事業会社 kinds (an insurer's kinds stand in for `contract`). */
export const REQUIREMENTS = ['advance_payment', 'interim_advance_payment', 'contract'] as const;
export type Requirement = (typeof REQUIREMENTS)[number];

/** The words a contract clerk writes in a CSV's 必要な保証 column, for each kind. */
const JAPANESE_NAMES: Readonly<Record<string, Kind>> = {
  前払金保証: 'advance_payment',
  中間前払金保証: 'interim_advance_payment',
  契約保証: 'contract',
  履行保証証券: 'performance_bond',
  公共工事履行保証証券: 'performance_bond',
  履行保証保険: 'performance_insurance',
};

const isKind = (text: string): text is Kind => (KINDS as readonly string[]).includes(text);

/** The requirement a certificate of this kind fulfils; null for a kind the ledger does not know. */
export function requirementOf(kind: string): Requirement | null {
  return isKind(kind) ? (REQUIREMENTS.find((required) => fulfilsRequirement(required, kind)) ?? null) : null;
}

/**
 * A required kind as a person or a program writes it (a SPEC kind or its Japanese name) → the
 * requirement; null when it names no kind.
 */
export function parseRequirement(text: string): Requirement | null {
  const word = text.normalize('NFKC').trim();
  return requirementOf(Object.hasOwn(JAPANESE_NAMES, word) ? JAPANESE_NAMES[word]! : word);
}
