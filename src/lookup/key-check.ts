import { randomBytes } from 'node:crypto';
import { verifyScrypt, type Derive, type ScryptParams } from '../auth/index.js';

export interface Candidate {
  id: string;
  auth_key_digest: string;
  obligee_code: string | null;
  obligee_name: string;
}

/**
 * Padding runs at the feed's common cost, so an unknown number and a number whose digests are at
 * ln = 15 run the very same derivations; what is left below one of those is made up at ln = 14.
 */
export const PAD: ScryptParams = { ln: 15, r: 8, p: 1 };
const PAD_SMALL: ScryptParams = { ln: 14, r: 8, p: 1 };
/** The scrypt work every wrong-key lookup does, in derivations at PAD: eight revisions at ln = 15. */
export const WRONG_KEY_WORK = 8;

/** What a derivation with these parameters costs, in derivations at PAD (as measured on this machine). */
export type CostOf = (params: ScryptParams) => number;

/**
 * The revision whose digest the key matches, newest first. A match answers at once (its time tells
 * the holder of the right key nothing new). A miss always costs WRONG_KEY_WORK: the real digests,
 * then dummy derivations up to that total, each counted at what it costs here rather than by its N
 * alone, so an unknown number, a number with eight revisions and one with digests at ln = 14 or 16
 * take the same work and time. Only a number whose digests cost more than the budget (say nine
 * revisions at ln = 16) exceeds it, since every revision must still be tried.
 */
export async function checkKey(derive: Derive, costOf: CostOf, key: string, candidates: readonly Candidate[]): Promise<Candidate | undefined> {
  let spent = 0;
  for (const c of candidates) {
    const { match, params } = await verifyScrypt(derive, key, c.auth_key_digest);
    if (params) spent += costOf(params);
    if (match) return c;
  }
  const salt = randomBytes(16);
  const small = costOf(PAD_SMALL);
  while (WRONG_KEY_WORK - spent >= small / 2) {
    const pad = WRONG_KEY_WORK - spent >= 1 - small / 2 ? PAD : PAD_SMALL;
    await derive(key, salt, pad);
    spent += pad === PAD ? 1 : small;
  }
  return undefined;
}
