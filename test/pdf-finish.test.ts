import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { PDFDocument, type PDFHexString, PDFName, type PDFString } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishPdf, prepareAttachments, readPdfAttachments } from '../src/pdf/document.js';
import type { PdfAttachment, PdfMetadata } from '../src/pdf/index.js';
import { checkedXrefSections } from './helpers/pdf-structure.js';

const metadata: PdfMetadata = {
  title: '前払金保証証書 (第2号) \\ 2070004426',
  subject: '一般国道2号道路改良工事 / 備後建設株式会社 / 広島県知事',
  author: '西日本建設業保証株式会社',
  keywords: ['2070004426', 'advance_payment', 'revision-0'],
};
const attachments: PdfAttachment[] = [
  { name: 'verification.json', data: '{"結果":"合格"}', mimeType: 'application/json', description: '検証レポート (SPEC §6)' },
  { name: 'certificate.jws', data: 'eyJ.eyJ.sig', mimeType: 'application/jose' },
  { name: 'every-byte.bin', data: Uint8Array.from({ length: 256 }, (_, i) => i), mimeType: 'application/octet-stream' },
];
const now = new Date('2026-12-02T08:15:30Z');

/** A one-page PDF with a classic xref table, as Chromium writes them, or with an xref stream. */
async function printedPdf(options: { xrefStream?: boolean; namedFile?: boolean } = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage();
  if (options.namedFile) await doc.attach(new TextEncoder().encode('already here'), 'earlier.txt', { mimeType: 'text/plain' });
  return doc.save({ useObjectStreams: options.xrefStream ?? false });
}

const run = (tool: string, ...args: string[]) => execFileSync(tool, args, { encoding: 'utf8' });
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

describe("finishing Chromium's PDF", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shosho-pdf-finish-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends the metadata and attachments as an update, leaving the printed bytes as they were', async () => {
    const printed = await printedPdf();
    const finished = await finishPdf(printed, metadata, prepareAttachments(attachments), now);
    expect(Buffer.from(finished.subarray(0, printed.length)).equals(Buffer.from(printed))).toBe(true);
    expect(checkedXrefSections(finished)).toHaveLength(2);

    const file = join(dir, 'updated.pdf');
    await writeFile(file, finished);
    const info = run('pdfinfo', '-isodates', file);
    expect(info).toMatch(/^Title:\s+前払金保証証書 \(第2号\) \\ 2070004426$/m);
    expect(info).toMatch(/^Subject:\s+一般国道2号道路改良工事 \/ 備後建設株式会社 \/ 広島県知事$/m);
    expect(info).toMatch(/^Author:\s+西日本建設業保証株式会社$/m);
    expect(info).toMatch(/^Keywords:\s+2070004426 advance_payment revision-0$/m);
    expect(info).toMatch(/^Producer:\s+shosho$/m);
    expect(info).toMatch(/^Creator:\s+shosho \(Chromium\)$/m);
    expect(info).toMatch(/^CreationDate:\s+2026-12-02T08:15:30Z$/m);
    expect(info).toMatch(/^ModDate:\s+2026-12-02T08:15:30Z$/m);

    expect(run('pdfdetach', '-list', file)).toBe('3 embedded files\n1: certificate.jws\n2: every-byte.bin\n3: verification.json\n');
    run('pdfdetach', '-saveall', '-o', dir, file);
    expect(await readFile(join(dir, 'verification.json'), 'utf8')).toBe('{"結果":"合格"}');
    expect(new Uint8Array(await readFile(join(dir, 'every-byte.bin')))).toEqual(attachments[2]!.data);

    const doc = await PDFDocument.load(finished, { updateMetadata: false });
    const spec = [...doc.context.enumerateIndirectObjects()]
      .map(([, object]) => object)
      .find((object) => object.toString().includes('/Filespec') && object.toString().includes('/Desc'));
    expect(spec).toBeDefined();
    const desc = (spec as unknown as { lookup(name: PDFName): PDFHexString }).lookup(PDFName.of('Desc'));
    expect(desc.decodeText()).toBe('検証レポート (SPEC §6)');
  });

  it('rewrites a PDF with an xref stream whole, with the same result for a reader', async () => {
    const finished = await finishPdf(await printedPdf({ xrefStream: true }), metadata, prepareAttachments(attachments), now);
    const files = await readPdfAttachments(finished);
    expect([...files.keys()]).toEqual(['certificate.jws', 'every-byte.bin', 'verification.json']);
    const doc = await PDFDocument.load(finished, { updateMetadata: false });
    expect(doc.getTitle()).toBe(metadata.title);
    expect(doc.getProducer()).toBe('shosho');
  });

  it('keeps the files a PDF already names, next to its own', async () => {
    const finished = await finishPdf(await printedPdf({ namedFile: true }), metadata, prepareAttachments(attachments), now);
    const files = await readPdfAttachments(finished);
    expect(text(files.get('earlier.txt'))).toBe('already here');
    expect(text(files.get('certificate.jws'))).toBe('eyJ.eyJ.sig');
  });

  it('writes any name, description, MIME type and metadata text so that readers get it back exactly', async () => {
    const printed = await printedPdf();
    const anyText = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(anyText, { minLength: 1, maxLength: 3 }),
        anyText,
        fc.stringMatching(/^[a-z]+\/[!-~]{1,30}$/),
        fc.record({ title: anyText, subject: anyText, author: anyText, keywords: fc.array(anyText, { maxLength: 3 }) }),
        async (names, description, mimeType, meta) => {
          const files = names.map((name, i) => ({ name, data: `file ${i}`, mimeType, description }));
          const finished = await finishPdf(printed, meta, prepareAttachments(files), now);
          checkedXrefSections(finished);
          const read = await readPdfAttachments(finished);
          expect([...read.keys()].sort()).toEqual([...names].sort());
          for (const [i, name] of names.entries()) expect(text(read.get(name))).toBe(`file ${i}`);
          const doc = await PDFDocument.load(finished, { updateMetadata: false });
          expect([doc.getTitle(), doc.getSubject(), doc.getAuthor()]).toEqual([meta.title, meta.subject, meta.author]);
          if (meta.keywords.length) expect(doc.getKeywords()).toBe(meta.keywords.join(' '));
          for (const [, object] of doc.context.enumerateIndirectObjects()) {
            const subtype = (object as { dict?: { get(n: PDFName): unknown } }).dict?.get(PDFName.of('Subtype'));
            if (subtype instanceof PDFName) expect(subtype.decodeText()).toBe(mimeType);
          }
          const specs = [...doc.context.enumerateIndirectObjects()].filter(([, o]) => o.toString().includes('/Filespec'));
          for (const [, spec] of specs) {
            const f = (spec as unknown as { lookup(name: PDFName): PDFString }).lookup(PDFName.of('F'));
            expect(names).toContain(Buffer.from(f.asBytes()).toString('utf8'));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
