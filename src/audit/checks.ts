import { compactVerify, errors } from 'jose';
import { CERTIFICATE_EVENT, sha256Hex, type Kind, type RevisionStatus } from '../domain/index.js';
import {
  ACCEPTED_ALGS,
  checkEnvelope,
  checkEvent,
  checkHeader,
  checkIssuerAndAudience,
  type CertificateEvent,
  type Checked,
  type ResolvedKey,
} from '../feed/index.js';
import { PdfError, readPdfAttachments } from '../pdf/index.js';
import { failed, indeterminate, passed, runChecks, type Check, type CheckOutcome, type VerificationReport } from './report.js';

/**
 * Where the verifying keys come from. Keys shosho kept for the issuer and a JWKS the auditor trusts
 * can prove a signature; the key a PDF carries for itself cannot.
 */
export type KeySource = 'kept' | 'trusted-jwks' | 'embedded-in-pdf';

/** What the §6 checks look at: the SET, what was recorded about it, and how to find its key. */
export interface Evidence {
  /** The SET as stored, or as found in the PDF. */
  jws: string;
  /** Which certificate revision the record says the SET is. */
  identity: { number: string; kind: Kind; revision: number };
  recordedJwsSha256: string | null;
  issuerIss: string;
  findKey(kid: string): Promise<ResolvedKey | null>;
  keySource: KeySource;
  /** null skips the audience (not known offline). */
  audience: string | null;
  /** The archived PDF: adds `pdf-digest` and `pdf-embedded-jws`. */
  pdf?: { bytes: Uint8Array; recordedSha256: string };
  /** The revision's status today: adds `status`. */
  status?: RevisionStatus | null;
  archiveId?: string | null;
}

const always = () => true;
const json = (value: unknown) => JSON.stringify(value ?? null);

/** The event a SET carries, read from its (unverified) claims; the `signature` check says whether to believe it. */
export function readEvent(jws: string): Checked<CertificateEvent> {
  const envelope = checkEnvelope(jws);
  return envelope.ok ? checkEvent(envelope.value.unverifiedClaims.events) : envelope;
}

const jwsDigest: Check<Evidence> = {
  name: 'jws-digest',
  applies: always,
  run(e) {
    const actual = sha256Hex(e.jws);
    if (e.recordedJwsSha256 === null) return indeterminate(`no SHA-256 was recorded for this SET, so its ${actual} cannot be compared with anything`);
    return actual === e.recordedJwsSha256
      ? passed(`the SET's SHA-256 is ${actual}, the same as recorded`)
      : failed(`the SET's SHA-256 is ${actual} but ${e.recordedJwsSha256} was recorded: this is not the SET that was filed`);
  },
};

const KEY_ORIGIN: Record<KeySource, string> = {
  kept: 'kept by shosho for the issuer',
  'trusted-jwks': 'from the JWKS given as trusted',
  'embedded-in-pdf': 'embedded in the PDF itself',
};

const signature: Check<Evidence> = {
  name: 'signature',
  applies: always,
  async run(e) {
    const envelope = checkEnvelope(e.jws);
    if (!envelope.ok) return failed(`the SET cannot carry a valid signature: ${envelope.description}`);
    const { alg, kid } = envelope.value.header;
    if (!ACCEPTED_ALGS.some((accepted) => accepted === alg)) return failed(`header alg ${json(alg)} is not ES256 or EdDSA, so no signature of it is accepted`);
    if (typeof kid !== 'string') return failed('the header names no kid, so no key of the issuer can have signed it');
    const key = await e.findKey(kid);
    if (!key)
      return indeterminate(
        `no key with kid ${json(kid)} is known ${e.keySource === 'kept' ? 'for this issuer' : 'in the JWKS used'}; obtain the issuer's key ${json(kid)} to decide`,
      );
    const named = `key ${json(kid)} (RFC 7638 thumbprint ${key.thumbprint}) ${KEY_ORIGIN[e.keySource]}`;
    if (key.alg !== alg) return failed(`${named} is an ${key.alg} key but the header says ${String(alg)}`);
    try {
      await compactVerify(e.jws, key.object, { algorithms: [key.alg] });
    } catch (error) {
      if (!(error instanceof errors.JOSEError)) throw error;
      return failed(`the signature does not verify with ${named}: the SET was altered or signed by someone else`);
    }
    return e.keySource === 'embedded-in-pdf'
      ? indeterminate(
          `the signature verifies with ${named}, which proves nothing on its own: compare that thumbprint with the one the issuer publishes, or verify against the issuer's JWKS`,
        )
      : passed(`the signature verifies (${key.alg}) with ${named}`);
  },
};

const claims: Check<Evidence> = {
  name: 'claims',
  applies: always,
  run(e) {
    const envelope = checkEnvelope(e.jws);
    if (!envelope.ok) return failed(envelope.description);
    const header = checkHeader(envelope.value.header);
    if (!header.ok) return failed(header.description);
    const problem = checkIssuerAndAudience(envelope.value.unverifiedClaims, { iss: e.issuerIss, audience: e.audience });
    if (problem) return failed(problem.description);
    const aud = e.audience === null ? 'the audience is not known here and was not checked' : `aud names ${e.audience}`;
    return passed(`typ secevent+jwt, alg ${header.value.alg}, iss ${e.issuerIss}; ${aud}`);
  },
};

const payload: Check<Evidence> = {
  name: 'payload',
  applies: always,
  run(e) {
    const event = readEvent(e.jws);
    if (!event.ok) return failed(event.description);
    if (event.value.type !== CERTIFICATE_EVENT) return failed('the SET carries a withdrawal, not a certificate revision');
    const p = event.value.payload;
    const carried = `${p.number} ${p.kind} revision ${p.revision}`;
    const { number, kind, revision } = e.identity;
    if (p.number !== number || p.kind !== kind || p.revision !== revision) {
      return failed(`the SET carries certificate ${carried}, but the record is for ${number} ${kind} revision ${revision}`);
    }
    return passed(`the certificate event validates: ${carried} (${p.revisionType}), issued on ${p.issuedOn}`);
  },
};

const pdfDigest: Check<Evidence> = {
  name: 'pdf-digest',
  applies: (e) => e.pdf !== undefined,
  run(e) {
    const actual = sha256Hex(e.pdf!.bytes);
    return actual === e.pdf!.recordedSha256
      ? passed(`the archived PDF's SHA-256 is ${actual}, as recorded when it was filed`)
      : failed(`the archived PDF's SHA-256 is ${actual} but ${e.pdf!.recordedSha256} was recorded: the PDF was changed after filing`);
  },
};

const pdfEmbeddedJws: Check<Evidence> = {
  name: 'pdf-embedded-jws',
  applies: (e) => e.pdf !== undefined,
  async run(e): Promise<CheckOutcome> {
    let embedded: Uint8Array | undefined;
    try {
      embedded = (await readPdfAttachments(e.pdf!.bytes)).get('certificate.jws');
    } catch (error) {
      if (error instanceof PdfError && error.code === 'PDF_UNREADABLE') return failed(`the archived PDF cannot be read: ${error.message}`);
      throw error;
    }
    if (!embedded) return failed('the archived PDF carries no certificate.jws attachment');
    return Buffer.from(embedded).equals(Buffer.from(e.jws, 'utf8'))
      ? passed('the certificate.jws inside the PDF is the stored SET, byte for byte')
      : failed(`the certificate.jws inside the PDF (SHA-256 ${sha256Hex(embedded)}) is not the stored SET`);
  },
};

const status: Check<Evidence> = {
  name: 'status',
  applies: (e) => e.status != null,
  run(e) {
    const s = e.status!;
    const revision = e.identity.revision;
    if (s.status === 'current') return passed(`current: no later revision replaces revision ${revision}`);
    if (s.status === 'superseded') {
      return passed(
        `superseded by revision ${s.supersededBy.revision} issued on ${s.supersededBy.issuedOn}; revision ${revision} is genuine but no longer in force`,
      );
    }
    const why = s.withdrawal.reason === 'cancelled' ? 'cancelled (解約): the guarantee has ended' : 'issued in error (取消): this revision is void';
    return failed(`withdrawn on ${s.withdrawal.withdrawnOn}, ${why}`);
  },
};

/** SPEC §6, in report order. */
export const VERIFICATION_CHECKS: readonly Check<Evidence>[] = [jwsDigest, signature, claims, payload, pdfDigest, pdfEmbeddedJws, status];

/** The §6 report over one piece of evidence. */
export function verifyEvidence(e: Evidence, now: Date = new Date()): Promise<VerificationReport> {
  const subject = {
    ...e.identity,
    issuer: e.issuerIss,
    jwsSha256: e.recordedJwsSha256 ?? sha256Hex(e.jws),
    archiveId: e.archiveId ?? null,
  };
  return runChecks(VERIFICATION_CHECKS, e, subject, now);
}
