import { decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import { CERTIFICATE_EVENT, CERTIFICATE_NUMBER, KINDS, describeIssues, type CertificatePayload } from '../domain/index.js';
import { parseJwks, toKeyObject, type IssuerKey, type ResolvedKey } from '../feed/index.js';
import { PdfError, readPdfAttachments } from '../pdf/index.js';
import { readEvent, verifyEvidence } from './checks.js';
import type { VerificationReport } from './report.js';

export type OfflineErrorCode = 'PDF_UNREADABLE' | 'NOT_A_CERTIFICATE_PDF' | 'BAD_ATTACHMENT' | 'BAD_JWKS';

/** The PDF (or the JWKS given) cannot be verified at all: nothing to report, the caller could not run. */
export class OfflineVerificationError extends Error {
  override name = 'OfflineVerificationError';
  constructor(
    readonly code: OfflineErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface OfflineVerification {
  report: VerificationReport;
  /** The revision the embedded SET carries (whether or not it verified); null when it carries none. */
  certificate: CertificatePayload | null;
  /** RFC 7638 thumbprint of the key the PDF embeds under the SET's kid, to compare with the issuer's published one. */
  embeddedKeyThumbprint: string | null;
}

const ATTACHMENTS = ['certificate.jws', 'issuer-jwks.json', 'verification.json'] as const;
type AttachmentName = (typeof ATTACHMENTS)[number];

/** What the PDF's verification.json says the SET is: the subject of the SPEC §6 report made with the PDF. */
const recordedSubjectSchema = z.object({
  subject: z.object({
    number: z.string().regex(CERTIFICATE_NUMBER),
    kind: z.enum(KINDS),
    revision: z.number().int().nonnegative(),
    issuer: z.string().min(1),
    jwsSha256: z.string().regex(/^[0-9a-f]{64}$/),
    archiveId: z.string().nullish(),
  }),
});

/**
 * SPEC §5 `shosho verify`: the §6 checks over a certificate PDF alone, with no database and no network.
 * The signature is checked against `jwks` (the keys the auditor trusts); without it, against the key
 * the PDF embeds, which can at best make `signature` indeterminate. `status`, `pdf-digest` and
 * `pdf-embedded-jws` need shosho's records and are left out; the audience is not known.
 */
export async function verifyPdfOffline(pdfBytes: Uint8Array, opts: { jwks?: unknown } = {}): Promise<OfflineVerification> {
  const files = await certificateAttachments(pdfBytes);
  const jws = new TextDecoder().decode(files['certificate.jws']);
  const recorded = parseAttachment(files, 'verification.json', (doc) => {
    const parsed = recordedSubjectSchema.safeParse(doc);
    if (!parsed.success) throw new Error(describeIssues(parsed.error));
    return parsed.data.subject;
  });
  const embedded = await usableKeys(
    parseAttachment(files, 'issuer-jwks.json', (doc) => doc),
    'BAD_ATTACHMENT',
    'the issuer-jwks.json attachment',
  );
  const trusted = opts.jwks == null ? null : await usableKeys(opts.jwks, 'BAD_JWKS', 'the JWKS given');
  const keys = trusted ?? embedded;
  const report = await verifyEvidence({
    jws,
    identity: { number: recorded.number, kind: recorded.kind, revision: recorded.revision },
    recordedJwsSha256: recorded.jwsSha256,
    issuerIss: recorded.issuer,
    findKey: async (kid) => resolve(keys.find((k) => k.kid === kid)),
    keySource: trusted ? 'trusted-jwks' : 'embedded-in-pdf',
    audience: null,
    archiveId: recorded.archiveId ?? null,
  });
  const event = readEvent(jws);
  const kid = signingKid(jws);
  return {
    report,
    certificate: event.ok && event.value.type === CERTIFICATE_EVENT ? event.value.payload : null,
    embeddedKeyThumbprint: embedded.find((k) => k.kid === kid)?.thumbprint ?? null,
  };
}

async function certificateAttachments(pdfBytes: Uint8Array): Promise<Record<AttachmentName, Uint8Array>> {
  let files: Map<string, Uint8Array>;
  try {
    files = await readPdfAttachments(pdfBytes);
  } catch (error) {
    if (error instanceof PdfError) throw new OfflineVerificationError('PDF_UNREADABLE', error.message, { cause: error });
    throw error;
  }
  const missing = ATTACHMENTS.filter((name) => !files.has(name));
  if (missing.length) {
    throw new OfflineVerificationError(
      'NOT_A_CERTIFICATE_PDF',
      `the PDF has no ${missing.join(', ')} attachment: it is not a certificate PDF made by shosho (SPEC §7)`,
    );
  }
  return Object.fromEntries(ATTACHMENTS.map((name) => [name, files.get(name)!])) as Record<AttachmentName, Uint8Array>;
}

function parseAttachment<T>(files: Record<AttachmentName, Uint8Array>, name: AttachmentName, read: (doc: unknown) => T): T {
  try {
    return read(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(files[name])));
  } catch (error) {
    throw new OfflineVerificationError('BAD_ATTACHMENT', `the ${name} attachment is not what shosho writes: ${(error as Error).message}`, { cause: error });
  }
}

async function usableKeys(doc: unknown, code: OfflineErrorCode, what: string): Promise<IssuerKey[]> {
  let parsed: Awaited<ReturnType<typeof parseJwks>>;
  try {
    parsed = await parseJwks(doc);
  } catch (error) {
    throw new OfflineVerificationError(code, `${what} is not a JWKS: ${(error as Error).message}`, { cause: error });
  }
  if (parsed.keys.length === 0) {
    const reasons = parsed.refused.map((r) => `${r.kid || '(no kid)'}: ${r.reason}`).join('; ');
    throw new OfflineVerificationError(code, `${what} holds no usable ES256 or EdDSA public key${reasons ? ` (${reasons})` : ''}`);
  }
  return parsed.keys;
}

function resolve(key: IssuerKey | undefined): ResolvedKey | null {
  return key ? { ...key, object: toKeyObject(key.jwk) } : null;
}

function signingKid(jws: string): string | null {
  try {
    const { kid } = decodeProtectedHeader(jws);
    return typeof kid === 'string' ? kid : null;
  } catch {
    return null;
  }
}
