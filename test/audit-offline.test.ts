import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { calculateJwkThumbprint } from 'jose';
import { PDFArray, PDFDict, PDFDocument, type PDFHexString, PDFName, type PDFString } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfflineVerificationError, verifyPdfOffline, type VerificationReport } from '../src/audit/index.js';
import { sha256Hex } from '../src/domain/index.js';
import { createPdfRenderer, findChromium, type PdfRenderer } from '../src/pdf/index.js';
import { CERTIFICATE_EVENT, generateSigningKey, jwks, ReferenceIssuer } from '../reference-issuer/index.js';
import { certificate } from './helpers/issuer.js';
import { AUDIENCE } from './helpers/service.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NUMBER = '2070004426';
const issuer = new ReferenceIssuer('https://wjcs.issuer.test.example', AUDIENCE);
let renderer: PdfRenderer;
let dir: string;
let token: string;
let pdf: Uint8Array;
let thumbprint: string;
const files = { pdf: '', jwks: '', wrongKeyJwks: '', notPdf: '' };

/** A certificate PDF as shosho makes it (SPEC §7), rendered for real. */
async function certificatePdf(jws: string, recordedJwsSha256 = sha256Hex(jws)): Promise<Uint8Array> {
  const verification = {
    subject: { number: NUMBER, kind: 'advance_payment', revision: 0, issuer: issuer.iss, jwsSha256: recordedJwsSha256, archiveId: null },
    checkedAt: '2024-06-03T01:00:00.000Z',
    result: 'passed',
    checks: [],
  };
  return renderer.render({
    html: '<!DOCTYPE html><html lang="ja"><body><h1>前払金保証証書</h1><p>保証金額 金49,280,000円</p></body></html>',
    footer: {
      issuer: '西日本建設業保証',
      number: NUMBER,
      kind: '前払金保証',
      revision: '新規',
      jwsSha256: recordedJwsSha256,
      producedAt: '令和6年6月3日 10:00 JST',
    },
    metadata: { title: `前払金保証 ${NUMBER}`, subject: '電子証書', author: '西日本建設業保証' },
    attachments: [
      { name: 'certificate.jws', data: jws, mimeType: 'application/jose' },
      { name: 'issuer-jwks.json', data: JSON.stringify(jwks([issuer.signingKey])), mimeType: 'application/jwk-set+json' },
      { name: 'verification.json', data: JSON.stringify(verification), mimeType: 'application/json' },
    ],
  });
}

/** The PDF with one attachment's bytes replaced, rebuilt with pdf-lib (what someone editing the file would do). */
async function replaceAttachment(original: Uint8Array, name: string, data: Uint8Array): Promise<Uint8Array> {
  const doc = await PDFDocument.load(original, { updateMetadata: false });
  const tree = doc.catalog.lookup(PDFName.of('Names'), PDFDict).lookup(PDFName.of('EmbeddedFiles'), PDFDict);
  const names = tree.lookup(PDFName.of('Names'), PDFArray);
  for (let i = 0; i < names.size(); i += 2) {
    if ((names.lookup(i) as PDFString | PDFHexString).decodeText() !== name) continue;
    const streams = names.lookup(i + 1, PDFDict).lookup(PDFName.of('EF'), PDFDict);
    streams.set(PDFName.of('F'), doc.context.register(doc.context.flateStream(data, { Type: 'EmbeddedFile' })));
    return doc.save({ useObjectStreams: false });
  }
  throw new Error(`no attachment ${name}`);
}

const checkResults = (report: VerificationReport) => Object.fromEntries(report.checks.map((c) => [c.name, c.result]));

beforeAll(async () => {
  renderer = createPdfRenderer({ executablePath: findChromium(), pages: 2 });
  dir = await mkdtemp(join(tmpdir(), 'shosho-verify-test-'));
  ({ token } = await issuer.sign(CERTIFICATE_EVENT, await certificate(NUMBER, 'AB12CD34')));
  pdf = await certificatePdf(token);
  thumbprint = await calculateJwkThumbprint(issuer.signingKey.publicJwk, 'sha256');
  Object.assign(files, {
    pdf: join(dir, 'certificate.pdf'),
    jwks: join(dir, 'jwks.json'),
    wrongKeyJwks: join(dir, 'wrong.json'),
    notPdf: join(dir, 'note.pdf'),
  });
  await writeFile(files.pdf, pdf);
  await writeFile(files.jwks, JSON.stringify(jwks(issuer.keys)));
  await writeFile(files.wrongKeyJwks, JSON.stringify(jwks([generateSigningKey('ES256', issuer.signingKey.kid)])));
  await writeFile(files.notPdf, '保証証書ではありません');
});
afterAll(async () => {
  await renderer?.close();
  await issuer.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('verifyPdfOffline (SPEC §5 shosho verify)', () => {
  it("passes with the issuer's JWKS, leaving out status and the archive checks", async () => {
    const { report, certificate: cert, embeddedKeyThumbprint } = await verifyPdfOffline(pdf, { jwks: jwks(issuer.keys) });
    expect(report.result).toBe('passed');
    expect(report.checks.map((c) => c.name)).toEqual(['jws-digest', 'signature', 'claims', 'payload']);
    expect(report.subject).toEqual({ number: NUMBER, kind: 'advance_payment', revision: 0, issuer: issuer.iss, jwsSha256: sha256Hex(token), archiveId: null });
    expect(report.checks.find((c) => c.name === 'claims')!.detail).toContain('audience is not known');
    expect(cert).toMatchObject({ number: NUMBER, kind: 'advance_payment', revision: 0, guarantee: { amount: expect.any(Number) } });
    expect(embeddedKeyThumbprint).toBe(thumbprint);
  });

  it('without a JWKS uses the embedded key and is at best indeterminate, naming its thumbprint', async () => {
    const { report } = await verifyPdfOffline(pdf);
    expect(report.result).toBe('indeterminate');
    const signature = report.checks.find((c) => c.name === 'signature')!;
    expect(signature).toMatchObject({ result: 'indeterminate', detail: expect.stringContaining(thumbprint) });
    expect(report.checks.filter((c) => c.name !== 'signature').every((c) => c.result === 'passed')).toBe(true);
  });

  it('is indeterminate, naming the kid, when the JWKS given lacks the signing key', async () => {
    const { report } = await verifyPdfOffline(pdf, { jwks: jwks([generateSigningKey('EdDSA', 'some-other-key')]) });
    expect(report.result).toBe('indeterminate');
    expect(report.checks[1]).toMatchObject({ name: 'signature', result: 'indeterminate', detail: expect.stringContaining(issuer.signingKey.kid) });
  });

  it('fails when the JWKS given holds a different key under the same kid', async () => {
    const { report } = await verifyPdfOffline(pdf, { jwks: jwks([generateSigningKey('ES256', issuer.signingKey.kid)]) });
    expect(report.result).toBe('failed');
    expect(checkResults(report)).toEqual({ 'jws-digest': 'passed', signature: 'failed', claims: 'passed', payload: 'passed' });
  });

  it('fails jws-digest when certificate.jws was swapped for another validly signed SET', async () => {
    const other = await issuer.sign(CERTIFICATE_EVENT, await certificate(NUMBER, 'AB12CD34'));
    const swapped = await replaceAttachment(pdf, 'certificate.jws', new TextEncoder().encode(other.token));
    const { report } = await verifyPdfOffline(swapped, { jwks: jwks(issuer.keys) });
    expect(report.result).toBe('failed');
    expect(checkResults(report)).toEqual({ 'jws-digest': 'failed', signature: 'passed', claims: 'passed', payload: 'passed' });
  });

  it('refuses a PDF without the certificate attachments, and a file that is no PDF, with a clear error', async () => {
    const plain = await PDFDocument.create();
    plain.addPage();
    await expect(verifyPdfOffline(await plain.save())).rejects.toMatchObject({
      name: 'OfflineVerificationError',
      code: 'NOT_A_CERTIFICATE_PDF',
      message: expect.stringContaining('certificate.jws'),
    });
    await expect(verifyPdfOffline(new TextEncoder().encode('not a PDF'))).rejects.toBeInstanceOf(OfflineVerificationError);
    await expect(verifyPdfOffline(pdf, { jwks: { keys: [] } })).rejects.toMatchObject({ code: 'BAD_JWKS' });
  });

  it('never passes after any single-byte change to the embedded SET', async () => {
    const original = new TextEncoder().encode(token);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: original.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, delta) => {
        const mutated = Uint8Array.from(original);
        mutated[at] = (mutated[at]! + delta) % 256;
        const { report } = await verifyPdfOffline(await replaceAttachment(pdf, 'certificate.jws', mutated), { jwks: jwks(issuer.keys) });
        expect(report.result).not.toBe('passed');
        expect(report.checks[0]).toMatchObject({ name: 'jws-digest', result: 'failed' });
      }),
      { numRuns: 100 },
    );
  });
});

describe('shosho verify, run as a process with no database', () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'DATABASE_URL'));
  const shosho = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'verify', ...args], { cwd: ROOT, env }, (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      });
    });

  it('exits 0, 1, 3 and 2 for passed, failed, indeterminate and could not run', async () => {
    const jwksUrl = `${await issuer.listen()}/jwks.json`;
    const [passed, fromUrl, failed, indeterminate, notPdf, missing, noFile] = await Promise.all([
      shosho(files.pdf, '--jwks', files.jwks, '--json'),
      shosho(files.pdf, '--jwks', jwksUrl, '--json'),
      shosho(files.pdf, '--jwks', files.wrongKeyJwks, '--json'),
      shosho(files.pdf),
      shosho(files.notPdf, '--json'),
      shosho(join(dir, 'absent.pdf')),
      shosho(),
    ]);
    expect(passed.code, passed.stderr).toBe(0);
    const report = JSON.parse(passed.stdout) as VerificationReport;
    expect(Object.keys(report)).toEqual(['subject', 'checkedAt', 'result', 'checks']);
    expect(report.checks.map((c) => Object.keys(c))).toEqual(Array(4).fill(['name', 'result', 'detail']));
    expect(report).toMatchObject({ result: 'passed', subject: { number: NUMBER, jwsSha256: sha256Hex(token), archiveId: null } });
    expect(fromUrl.code, fromUrl.stderr).toBe(0);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ result: 'failed' });
    expect(indeterminate.code).toBe(3);
    expect(indeterminate.stdout).toContain('保証金額: 金');
    expect(indeterminate.stdout).toMatch(new RegExp(`indeterminate +signature +.*${thumbprint}`));
    expect(notPdf).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('not a readable PDF') });
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('absent.pdf') });
    expect(noFile.code).toBe(2);
  });
});
