import { randomBytes } from 'node:crypto';
import { scryptUnits, verifyScrypt, type Derive } from '../auth/index.js';

export interface Candidate {
  id: string;
  auth_key_digest: string;
  obligee_code: string | null;
  obligee_name: string;
}

/**
 * The scrypt work every wrong-key lookup does, in units of one derivation at N = 2^14, r = 8, p = 1:
 * eight revisions at ln = 15 (the common cost), or four at ln = 16, or sixteen at ln = 14.
 */
export const WRONG_KEY_WORK_UNITS = 16;
/**
 * Padding runs at the feed's common cost, so an unknown number and a number whose digests are at
 * ln = 15 run the very same derivations (per unit, a larger N costs a little more on a machine
 * whose memory is busy); an odd unit left by ln = 14 digests is made up at ln = 14.
 */
const PAD = { ln: 15, r: 8, p: 1 } as const;
const PAD_ODD = { ln: 14, r: 8, p: 1 } as const;

/**
 * The revision whose digest the key matches, newest first. A match answers at once (its time tells
 * the holder of the right key nothing new). A miss always costs WRONG_KEY_WORK_UNITS: the real
 * digests, then dummy derivations up to that total, so an unknown number, a
 * number with eight revisions and one with a digest at ln = 16 take the same work and time. Only a
 * number whose digests cost more than the budget (say nine revisions at ln = 16) exceeds it, since
 * every revision must still be tried.
 */
export async function checkKey(derive: Derive, key: string, candidates: readonly Candidate[]): Promise<Candidate | undefined> {
  let spent = 0;
  for (const c of candidates) {
    const { match, units } = await verifyScrypt(derive, key, c.auth_key_digest);
    spent += units;
    if (match) return c;
  }
  const salt = randomBytes(16);
  while (spent < WRONG_KEY_WORK_UNITS) {
    const pad = WRONG_KEY_WORK_UNITS - spent >= scryptUnits(PAD) ? PAD : PAD_ODD;
    await derive(key, salt, pad);
    spent += scryptUnits(pad);
  }
  return undefined;
}
