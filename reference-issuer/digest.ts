import { randomBytes, scrypt } from 'node:crypto';
import { canonicalize } from '../src/domain/canonical.js';

/**
 * The `authKeyDigest` of a revision (SPEC §2): scrypt over the canonical auth key, as a PHC string
 * `$scrypt$ln=L,r=8,p=1$SALT$HASH` with a 16-byte salt and a 32-byte hash, base64 without padding.
 */
export function authKeyDigest(authKey: string, ln = 15): Promise<string> {
  const salt = randomBytes(16);
  return new Promise((resolve, reject) => {
    scrypt(canonicalize(authKey), salt, 32, { N: 2 ** ln, r: 8, p: 1, maxmem: 256 * 2 ** ln * 8 + 16 * 1024 * 1024 }, (err, hash) => {
      if (err) return reject(err);
      const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
      resolve(`$scrypt$ln=${ln},r=8,p=1$${b64(salt)}$${b64(hash)}`);
    });
  });
}

const KEY_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ'; // no 0/O, 1/I: read aloud and typed by hand

/** A fresh auth key as a contractor would be handed it, e.g. `7KQ4-M2XD-9PRA`. */
export function newAuthKey(groups = 3): string {
  const bytes = randomBytes(groups * 4);
  const chars = [...bytes].map((b) => KEY_ALPHABET[b % KEY_ALPHABET.length]);
  return Array.from({ length: groups }, (_, g) => chars.slice(g * 4, g * 4 + 4).join('')).join('-');
}
