import { randomBytes } from 'node:crypto';
import { PDFDocument, PDFHexString, PDFName, PDFString, type PDFRef } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { readPdfAttachments } from '../src/pdf/index.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

/** A PDF as other producers write larger name trees: leaves under Kids, streams compressed or not. */
async function pdfWithNestedTree(options: { cyclic?: boolean } = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage();
  const context = doc.context;
  const fileSpec = (name: string, data: Uint8Array, compressed: boolean): PDFRef => {
    const stream = compressed ? context.flateStream(data, { Type: 'EmbeddedFile' }) : context.stream(data, { Type: 'EmbeddedFile' });
    const streamRef = context.register(stream);
    return context.register(context.obj({ Type: 'Filespec', F: PDFString.of(name), EF: { F: streamRef } }));
  };
  const leafA = context.obj({
    Names: [PDFHexString.fromText('a.json'), fileSpec('a.json', utf8('{"a":1}'), true)],
    Limits: [PDFHexString.fromText('a.json'), PDFHexString.fromText('a.json')],
  });
  const leafB = context.obj({
    Names: [PDFHexString.fromText('検証結果.json'), fileSpec('kensho.json', utf8('{"結果":"合格"}'), false)],
    Limits: [PDFHexString.fromText('検証結果.json'), PDFHexString.fromText('検証結果.json')],
  });
  const middle = context.obj({ Kids: [context.register(leafB)] });
  const middleRef = context.register(middle);
  if (options.cyclic) middle.set(PDFName.of('Kids'), context.obj([middleRef]));
  const root = context.obj({ Kids: [context.register(leafA), middleRef] });
  doc.catalog.set(PDFName.of('Names'), context.obj({ EmbeddedFiles: root }));
  return doc.save();
}

describe('readPdfAttachments', () => {
  it('follows Kids through the name tree and decodes compressed and plain streams', async () => {
    const files = await readPdfAttachments(await pdfWithNestedTree());
    expect([...files.keys()]).toEqual(['a.json', '検証結果.json']);
    expect(new TextDecoder().decode(files.get('a.json'))).toBe('{"a":1}');
    expect(new TextDecoder().decode(files.get('検証結果.json'))).toBe('{"結果":"合格"}');
  });

  it('finds nothing in a PDF without attachments', async () => {
    const doc = await PDFDocument.create();
    doc.addPage();
    expect((await readPdfAttachments(await doc.save())).size).toBe(0);
  });

  it.each([
    ['empty input', new Uint8Array()],
    ['text', utf8('this is not a PDF')],
    ['random bytes', new Uint8Array(randomBytes(4096))],
  ])('fails with PDF_UNREADABLE on %s', async (_, garbage) => {
    await expect(readPdfAttachments(garbage)).rejects.toMatchObject({ code: 'PDF_UNREADABLE' });
  });

  it('fails with PDF_UNREADABLE on a name tree that loops', async () => {
    const looping = await pdfWithNestedTree({ cyclic: true });
    await expect(readPdfAttachments(looping)).rejects.toMatchObject({
      code: 'PDF_UNREADABLE',
      message: expect.stringContaining('too deep'),
    });
  });

  it('fails with PDF_UNREADABLE when two embedded files share a name', async () => {
    const doc = await PDFDocument.create();
    doc.addPage();
    await doc.attach(utf8('genuine'), 'certificate.jws');
    await doc.attach(utf8('planted'), 'certificate.jws');
    await expect(readPdfAttachments(await doc.save())).rejects.toMatchObject({
      code: 'PDF_UNREADABLE',
      message: expect.stringContaining('certificate.jws'),
    });
  });

  it('fails with PDF_UNREADABLE when an entry is not a file specification', async () => {
    const doc = await PDFDocument.create();
    doc.addPage();
    const names = doc.context.obj({ Names: [PDFHexString.fromText('x'), doc.context.obj(42)] });
    doc.catalog.set(PDFName.of('Names'), doc.context.obj({ EmbeddedFiles: names }));
    await expect(readPdfAttachments(await doc.save())).rejects.toMatchObject({ code: 'PDF_UNREADABLE' });
  });
});
