import { CERTIFICATE_NUMBER } from './event.js';

/**
 * Canonical form of a 保証契約番号, an insurer's 証券番号 or an auth key (SPEC §2): issuers compute the
 * auth-key digest over it, so it must match theirs exactly.
 */
const SPACES_AND_DASHES = /[\s\u3000\u002D\u2010-\u2015\u2212\u30FC\uFF70]/gu;

export function canonicalize(input: string): string {
  return input.normalize('NFKC').replace(SPACES_AND_DASHES, '').toUpperCase();
}

const AUTH_KEY = /^[0-9A-Z]{6,32}$/;

export type Parsed = { ok: true; value: string } | { ok: false };

/** Any kind's number: a 10-digit 保証契約番号 or an insurer's 証券番号 (`^[0-9A-Z]{6,20}$`). */
export function parseNumber(input: string): Parsed {
  const value = canonicalize(input);
  return CERTIFICATE_NUMBER.test(value) ? { ok: true, value } : { ok: false };
}

export function parseAuthKey(input: string): Parsed {
  const value = canonicalize(input);
  return AUTH_KEY.test(value) ? { ok: true, value } : { ok: false };
}
