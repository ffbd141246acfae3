import { decodeProtectedHeader, decodeJwt, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import {
  CERTIFICATE_EVENT,
  WITHDRAWN_EVENT,
  certificatePayloadSchema,
  withdrawalPayloadSchema,
  describeIssues,
  type CertificatePayload,
  type WithdrawalPayload,
} from '../domain/index.js';
import { ACCEPTED_ALGS, type SigningAlg } from './jwks.js';

/** RFC 8935 §2.4 error codes. */
export type SetErrorCode = 'invalid_request' | 'invalid_key' | 'invalid_issuer' | 'invalid_audience' | 'authentication_failed' | 'access_denied';
export interface SetRefusal {
  err: SetErrorCode;
  description: string;
}
export type Checked<T> = { ok: true; value: T } | ({ ok: false } & SetRefusal);

export const MAX_SET_BYTES = 64 * 1024;
export const MAX_FUTURE_IAT_SECONDS = 300;

export type CertificateEvent = { type: typeof CERTIFICATE_EVENT; payload: CertificatePayload } | { type: typeof WITHDRAWN_EVENT; payload: WithdrawalPayload };

const refuse = (err: SetErrorCode, description: string): { ok: false } & SetRefusal => ({ ok: false, err, description });

/** Size and shape, before anything is parsed. */
export function checkEnvelope(token: string): Checked<{ header: ProtectedHeaderParameters; unverifiedClaims: JWTPayload }> {
  if (Buffer.byteLength(token, 'utf8') > MAX_SET_BYTES) return refuse('invalid_request', `the SET is larger than ${MAX_SET_BYTES} bytes`);
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
    return refuse('invalid_request', 'not a compact JWS (three base64url parts separated by dots)');
  }
  // Base64url has spare bits in its last character: accept only the one spelling of each part, so
  // a SET has exactly one byte form and its SHA-256 names it.
  if (token.split('.').some((part) => Buffer.from(part, 'base64url').toString('base64url') !== part)) {
    return refuse('invalid_request', 'a part of the JWS is not canonical base64url');
  }
  let header: ProtectedHeaderParameters;
  let unverifiedClaims: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    unverifiedClaims = decodeJwt(token);
  } catch (e) {
    return refuse('invalid_request', `the JWS header or claims are not valid JSON objects: ${(e as Error).message}`);
  }
  // the header and iss are read before the signature is checked: kid and iss go into queries
  const forbidden = findForbiddenText(header, 'header') ?? findForbiddenText(unverifiedClaims.iss, 'iss');
  if (forbidden) return refuse('invalid_request', forbidden);
  return { ok: true, value: { header, unverifiedClaims } };
}

// SPEC §2: C0 and C1 controls and bidirectional overrides/isolates; tab and line feed only in notes.
const FORBIDDEN_CHARACTER = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/u;
const FORBIDDEN_IN_NOTES = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/u;
const NOTES_PATH = `events.${CERTIFICATE_EVENT}.notes`;

/**
 * The first control or bidirectional character in any string (member names included) of a JSON
 * value, described with its field path, or null. Such text would print misleadingly or not at all,
 * and PostgreSQL cannot store U+0000.
 */
export function findForbiddenText(value: unknown, path: string): string | null {
  if (typeof value === 'string') {
    const match = (path === NOTES_PATH ? FORBIDDEN_IN_NOTES : FORBIDDEN_CHARACTER).exec(value);
    if (!match) return null;
    const code = `U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    return `${path}: holds the control character ${code} at position ${match.index}; text must not hold control or bidirectional characters`;
  }
  if (!value || typeof value !== 'object') return null;
  for (const [k, v] of Object.entries(value)) {
    const at = path ? `${path}.${k}` : k;
    if (FORBIDDEN_CHARACTER.test(k)) return `${path || '(root)'}: a member name holds a control or bidirectional character`;
    const found = findForbiddenText(v, at);
    if (found) return found;
  }
  return null;
}

/** `alg` ES256 or EdDSA only (never none or HMAC), `typ` secevent+jwt, a `kid`. */
export function checkHeader(header: ProtectedHeaderParameters): Checked<{ alg: SigningAlg; kid: string }> {
  const alg = header.alg;
  if (!ACCEPTED_ALGS.includes(alg as SigningAlg)) {
    return refuse('invalid_request', `header alg ${JSON.stringify(alg ?? null)} is not accepted; sign with ES256 or EdDSA`);
  }
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase().replace(/^application\//, '') : null;
  if (typ !== 'secevent+jwt') return refuse('invalid_request', `header typ ${JSON.stringify(header.typ ?? null)} must be "secevent+jwt"`);
  if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 256) {
    return refuse('invalid_request', "header kid is missing: it must name a key in the issuer's JWKS");
  }
  return { ok: true, value: { alg: alg as SigningAlg, kid: header.kid } };
}

/**
 * iss, aud, iat, jti and the single event, over claims whose signature has been verified.
 * `audience` null skips the audience (offline checks do not know it).
 */
export function checkClaims(
  claims: JWTPayload,
  expect: { iss: string; audience: string | null; now: Date },
): Checked<{ jti: string; iat: number; event: CertificateEvent }> {
  const party = checkIssuerAndAudience(claims, expect);
  if (party) return party;
  const forbidden = findForbiddenText(claims, '');
  if (forbidden) return refuse('invalid_request', forbidden);
  const nowSeconds = Math.floor(expect.now.getTime() / 1000);
  if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) return refuse('invalid_request', 'iat is missing or not a number');
  if (claims.iat > nowSeconds + MAX_FUTURE_IAT_SECONDS) {
    return refuse(
      'invalid_request',
      `iat is ${claims.iat - nowSeconds} s in the future (at most ${MAX_FUTURE_IAT_SECONDS} s allowed); check the issuer's clock`,
    );
  }
  if (claims.exp !== undefined && (typeof claims.exp !== 'number' || claims.exp <= nowSeconds)) {
    return refuse('invalid_request', 'the SET has expired (exp is in the past)');
  }
  if (typeof claims.jti !== 'string' || claims.jti.length === 0 || claims.jti.length > 256) {
    return refuse('invalid_request', 'jti is missing or longer than 256 characters');
  }
  const event = checkEvent(claims.events);
  if (!event.ok) return event;
  return { ok: true, value: { jti: claims.jti, iat: claims.iat, event: event.value } };
}

/** iss is the expected issuer's, and aud names this service unless `audience` is null (offline). */
export function checkIssuerAndAudience(claims: JWTPayload, expect: { iss: string; audience: string | null }): ({ ok: false } & SetRefusal) | null {
  if (claims.iss !== expect.iss)
    return refuse('invalid_issuer', `iss ${JSON.stringify(claims.iss ?? null)} is not the issuer's identifier ${JSON.stringify(expect.iss)}`);
  if (expect.audience === null) return null;
  const aud = claims.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  return audiences.includes(expect.audience)
    ? null
    : refuse('invalid_audience', `aud ${JSON.stringify(aud ?? null)} does not name this service (${expect.audience})`);
}

/** Exactly one known event, its payload validated field by field. */
export function checkEvent(events: unknown): Checked<CertificateEvent> {
  if (!events || typeof events !== 'object' || Array.isArray(events)) return refuse('invalid_request', 'events must be an object holding one event');
  const entries = Object.entries(events);
  if (entries.length !== 1) return refuse('invalid_request', `events must hold exactly one event, found ${entries.length}`);
  const [type, payload] = entries[0]!;
  if (type === CERTIFICATE_EVENT) {
    const parsed = certificatePayloadSchema.safeParse(payload);
    if (!parsed.success) return refuse('invalid_request', `invalid certificate event: ${describeIssues(parsed.error)}`);
    return { ok: true, value: { type, payload: parsed.data } };
  }
  if (type === WITHDRAWN_EVENT) {
    const parsed = withdrawalPayloadSchema.safeParse(payload);
    if (!parsed.success) return refuse('invalid_request', `invalid withdrawal event: ${describeIssues(parsed.error)}`);
    return { ok: true, value: { type, payload: parsed.data } };
  }
  return refuse('invalid_request', `unknown event type ${JSON.stringify(type)}; expected ${CERTIFICATE_EVENT} or ${WITHDRAWN_EVENT}`);
}
