import { randomBytes, timingSafeEqual } from 'node:crypto';
import { formatScryptDigest, parseScryptDigest } from '../domain/index.js';
import type { Derive, ScryptParams, ScryptPool } from './scrypt-pool.js';

const PASSWORD_LN = 15;
export const MIN_PASSWORD_LENGTH = 10;

export async function hashPassword(pool: ScryptPool, password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await pool.derive(password.normalize('NFC'), salt, { ln: PASSWORD_LN, r: 8, p: 1 });
  return formatScryptDigest({ ln: PASSWORD_LN, r: 8, p: 1, salt, hash });
}

/**
 * Constant-time comparison; a stored hash that does not parse never matches (and costs nothing).
 * Also says with which parameters it derived (null: it did not).
 */
export async function verifyScrypt(derive: Derive, secret: string, phc: string): Promise<{ match: boolean; params: ScryptParams | null }> {
  const parsed = parseScryptDigest(phc);
  if (!parsed.ok) return { match: false, params: null };
  const { ln, r, p, salt, hash } = parsed.digest;
  const derived = await derive(secret, salt, { ln, r, p }, hash.length);
  return { match: timingSafeEqual(derived, hash), params: { ln, r, p } };
}

export async function verifyPassword(derive: Derive, password: string, phc: string): Promise<boolean> {
  return (await verifyScrypt(derive, password.normalize('NFC'), phc)).match;
}

/** A digest of nothing, checked when there is no real one so a miss costs the same time as a hit. */
export async function makeDummyDigest(pool: ScryptPool, ln: number): Promise<string> {
  const salt = randomBytes(16);
  const hash = await pool.derive(randomBytes(16), salt, { ln, r: 8, p: 1 });
  return formatScryptDigest({ ln, r: 8, p: 1, salt, hash });
}
