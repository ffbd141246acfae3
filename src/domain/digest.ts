import { createHash } from 'node:crypto';

/** SHA-256 as lowercase hex: how SETs, PDFs, tokens and session ids are identified and stored. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
