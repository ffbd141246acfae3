/** The PHC string issuers send as `authKeyDigest`: `$scrypt$ln=L,r=8,p=1$SALT$HASH` (SPEC §2). */
export const SCRYPT_LIMITS = { minLn: 14, maxLn: 16, r: 8, p: 1, minSaltBytes: 16, hashBytes: 32 } as const;

export interface ScryptDigest {
  ln: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** Parses and checks a digest against the allowed parameters; returns the reason when refused. */
export function parseScryptDigest(phc: string): { ok: true; digest: ScryptDigest } | { ok: false; reason: string } {
  const m = PHC.exec(phc);
  if (!m) return { ok: false, reason: 'not a PHC string of the form $scrypt$ln=L,r=8,p=1$SALT$HASH (base64, no padding)' };
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const salt = Buffer.from(m[4]!, 'base64');
  const hash = Buffer.from(m[5]!, 'base64');
  if (ln < SCRYPT_LIMITS.minLn || ln > SCRYPT_LIMITS.maxLn) {
    return { ok: false, reason: `ln=${ln} is outside ${SCRYPT_LIMITS.minLn}..${SCRYPT_LIMITS.maxLn}` };
  }
  if (r !== SCRYPT_LIMITS.r || p !== SCRYPT_LIMITS.p) return { ok: false, reason: `r=${r},p=${p} must be r=8,p=1` };
  if (salt.length < SCRYPT_LIMITS.minSaltBytes) return { ok: false, reason: `salt is ${salt.length} bytes, at least 16 required` };
  if (hash.length !== SCRYPT_LIMITS.hashBytes) return { ok: false, reason: `hash is ${hash.length} bytes, 32 required` };
  return { ok: true, digest: { ln, r, p, salt, hash } };
}

export function formatScryptDigest(d: ScryptDigest): string {
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${d.ln},r=${d.r},p=${d.p}$${b64(d.salt)}$${b64(d.hash)}`;
}

/** Bytes of memory scrypt needs for these parameters, with headroom (Node's default maxmem is too small). */
export function scryptMaxmem(ln: number, r: number): number {
  return 256 * r * 2 ** ln + 16 * 1024 * 1024;
}
