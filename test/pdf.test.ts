import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPdfRenderer, findChromium, readPdfAttachments, type PdfRenderInput } from '../src/pdf/index.js';
import { checkedXrefSections } from './helpers/pdf-structure.js';

const jws = 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL2V4YW1wbGUifQ.c2lnbmF0dXJl';
const jwsSha256 = createHash('sha256').update(jws).digest('hex');
const jwks = JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', kid: 'k1', x: 'AA', y: 'BB' }] });
const verification = new TextEncoder().encode(JSON.stringify({ result: 'passed', 結果: '合格' }));
const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);

const certificateHtml = (body: string) =>
  `<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>無視される</title>
  <style>body { font-family: 'IPAexMincho', serif; }</style></head><body>${body}</body></html>`;

const input = (body: string): PdfRenderInput => ({
  html: certificateHtml(body),
  footer: {
    issuer: '西日本<建設業>保証 & Co',
    number: '1234567890',
    kind: '前払金保証',
    revision: '新規',
    jwsSha256,
    producedAt: '令和6年6月3日 10:15 JST',
  },
  metadata: { title: '前払金保証 1234567890', subject: '電子証書', author: '西日本建設業保証', keywords: ['shosho', '前払金保証'] },
  attachments: [
    { name: 'verification.json', data: verification, mimeType: 'application/json' },
    { name: 'certificate.jws', data: jws, mimeType: 'application/jose', description: 'SET as signed' },
    { name: 'issuer-jwks.json', data: jwks, mimeType: 'application/jwk-set+json' },
    { name: 'every-byte.bin', data: everyByte, mimeType: 'application/octet-stream' },
  ],
});

const certificateBody = `<h1>前払金保証証書</h1><p>保証金額 金49,280,000円</p><p>令和6年6月3日</p>
  <p><strong>太字の保証人</strong></p><script>document.body.textContent = 'SCRIPT RAN'</script>`;

const run = (tool: string, ...args: string[]) => execFileSync(tool, args, { encoding: 'utf8' });

describe('PDF rendering', () => {
  const renderer = createPdfRenderer({ executablePath: findChromium(), pages: 2 });
  let dir: string;
  let pdfPath: string;
  let pdf: Uint8Array;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shosho-pdf-test-'));
    pdfPath = join(dir, 'certificate.pdf');
    // the launch is not under the render's deadline, as in the service (its warm-up)
    await renderer.warm();
    pdf = await renderer.render(input(certificateBody));
    await writeFile(pdfPath, pdf);
  });

  afterAll(async () => {
    await renderer.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is a PDF showing the certificate and the footer, with scripts not run', () => {
    expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const text = run('pdftotext', pdfPath, '-');
    for (const shown of ['前払金保証証書', '保証金額 金49,280,000円', '令和6年6月3日', '太字の保証人']) {
      expect(text).toContain(shown);
    }
    for (const footer of ['西日本<建設業>保証 & Co', '1234567890', '前払金保証', '新規', `SHA-256 ${jwsSha256}`, '令和6年6月3日 10:15 JST', 'ページ 1 / 1']) {
      expect(text).toContain(footer);
    }
    expect(text).not.toContain('SCRIPT RAN');
  });

  it('embeds every font as a TrueType subset, never Type 3 (bold included)', () => {
    const rows = run('pdffonts', pdfPath).trim().split('\n').slice(2);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row).not.toContain('Type 3');
      expect(row).toMatch(/CID TrueType\s+Identity-H\s+yes/);
    }
  });

  it('carries shosho metadata', () => {
    const info = run('pdfinfo', pdfPath);
    expect(info).toMatch(/^Title:\s+前払金保証 1234567890$/m);
    expect(info).toMatch(/^Subject:\s+電子証書$/m);
    expect(info).toMatch(/^Author:\s+西日本建設業保証$/m);
    expect(info).toMatch(/^Keywords:\s+shosho 前払金保証$/m);
    expect(info).toMatch(/^Producer:\s+shosho$/m);
    expect(info).toMatch(/^Creator:\s+shosho \(Chromium\)$/m);
  });

  it('carries attachments that pdfdetach lists and extracts byte for byte', async () => {
    const listing = run('pdfdetach', '-list', pdfPath);
    expect(listing).toContain('4 embedded files');
    for (const name of ['certificate.jws', 'issuer-jwks.json', 'verification.json', 'every-byte.bin']) {
      expect(listing).toContain(name);
    }
    const out = join(dir, 'detached');
    await mkdir(out);
    run('pdfdetach', '-saveall', '-o', out, pdfPath);
    expect(await readFile(join(out, 'certificate.jws'), 'utf8')).toBe(jws);
    expect(await readFile(join(out, 'issuer-jwks.json'), 'utf8')).toBe(jwks);
    expect(new Uint8Array(await readFile(join(out, 'verification.json')))).toEqual(verification);
    expect(new Uint8Array(await readFile(join(out, 'every-byte.bin')))).toEqual(everyByte);
  });

  it("keeps Chromium's PDF as printed and appends shosho's part as an update whose every object is where its xref says", () => {
    const [update, printed] = checkedXrefSections(pdf);
    expect(printed!.length).toBeGreaterThan(update!.length);
    // the new Info and Catalog, and a stream and file specification per attachment
    expect(update).toHaveLength(2 + 2 * 4);
  });

  it('reads its own attachments back', async () => {
    const files = await readPdfAttachments(pdf);
    expect([...files.keys()].sort()).toEqual(['certificate.jws', 'every-byte.bin', 'issuer-jwks.json', 'verification.json']);
    expect(new TextDecoder().decode(files.get('certificate.jws'))).toBe(jws);
    expect(new TextDecoder().decode(files.get('issuer-jwks.json'))).toBe(jwks);
    expect(files.get('verification.json')).toEqual(verification);
    expect(files.get('every-byte.bin')).toEqual(everyByte);
  });

  it('refuses two attachments under one name', async () => {
    const twice = input('<p>x</p>');
    twice.attachments.push({ name: 'certificate.jws', data: 'other', mimeType: 'application/jose' });
    await expect(renderer.render(twice)).rejects.toMatchObject({
      code: 'PDF_FAILED',
      message: expect.stringContaining('two attachments are named "certificate.jws"'),
    });
  });

  it('prints the footer on every page of a long certificate', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => `<p>第${i + 1}項 金1,000円</p>`).join('');
    const longPath = join(dir, 'long.pdf');
    await writeFile(longPath, await renderer.render(input(rows)));
    const pages = Number(/^Pages:\s+(\d+)$/m.exec(run('pdfinfo', longPath))?.[1]);
    expect(pages).toBeGreaterThan(1);
    for (let page = 1; page <= pages; page += 1) {
      const text = run('pdftotext', '-f', String(page), '-l', String(page), longPath, '-');
      expect(text).toContain(`ページ ${page} / ${pages}`);
      expect(text).toContain(`SHA-256 ${jwsSha256}`);
    }
  });
});
