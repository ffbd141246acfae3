import { randomBytes, timingSafeEqual } from 'node:crypto';
import { formatScryptDigest, parseScryptDigest } from '../domain/index.js';
import type { ScryptPool } from './scrypt-pool.js';

const PASSWORD_LN = 15;
export const MIN_PASSWORD_LENGTH = 10;

export async function hashPassword(pool: ScryptPool, password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await pool.derive(password.normalize('NFC'), salt, { ln: PASSWORD_LN, r: 8, p: 1 });
  return formatScryptDigest({ ln: PASSWORD_LN, r: 8, p: 1, salt, hash });
}

/** Constant-time comparison; a stored hash that does not parse never matches. */
export async function verifyScrypt(pool: ScryptPool, secret: string, phc: string): Promise<boolean> {
  const parsed = parseScryptDigest(phc);
  if (!parsed.ok) return false;
  const { ln, r, p, salt, hash } = parsed.digest;
  const derived = await pool.derive(secret, salt, { ln, r, p }, hash.length);
  return timingSafeEqual(derived, hash);
}

export function verifyPassword(pool: ScryptPool, password: string, phc: string): Promise<boolean> {
  return verifyScrypt(pool, password.normalize('NFC'), phc);
}

/** A digest of nothing, checked when there is no real one so a miss costs the same time as a hit. */
export async function makeDummyDigest(pool: ScryptPool, ln: number): Promise<string> {
  const salt = randomBytes(16);
  const hash = await pool.derive(randomBytes(16), salt, { ln, r: 8, p: 1 });
  return formatScryptDigest({ ln, r: 8, p: 1, salt, hash });
}
