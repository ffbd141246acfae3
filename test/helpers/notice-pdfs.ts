/** Hostile and broken PDFs for the key-notice reader, made byte by byte or with pdf-lib. */
import { deflateSync } from 'node:zlib';
import { PDFDocument, PDFName, PDFString } from 'pdf-lib';

/** A PDF from numbered object bodies (object n is `bodies[n - 1]`), with a correct xref table. */
export function rawPdf(bodies: Array<string | Buffer>, trailer = ''): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xE2\xE3\xCF\xD3\n', 'latin1')];
  const offsets: number[] = [];
  let length = parts[0]!.length;
  bodies.forEach((body, i) => {
    offsets.push(length);
    const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1'), Buffer.from('\nendobj\n')]);
    parts.push(obj);
    length += obj.length;
  });
  const xref = [`xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R ${trailer} >>\nstartxref\n${length}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}

const catalog = '<< /Type /Catalog /Pages 2 0 R >>';
const pages = '<< /Type /Pages /Kids [3 0 R] /Count 1 >>';
const page = (contents: string) => `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents ${contents} >>`;
const font = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
const stream = (data: Buffer, dict = '') =>
  Buffer.concat([Buffer.from(`<< /Length ${data.length} ${dict} >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream', 'latin1')]);

/** A one-page PDF whose page shows `text` in Helvetica (ASCII only). */
export function textPdf(text: string): Buffer {
  return rawPdf([catalog, pages, page('4 0 R'), stream(Buffer.from(`BT /F1 12 Tf 72 720 Td (${text}) Tj ET`)), font]);
}

/** Encrypted with the standard handler and a user password nobody gave us. */
export function encryptedPdf(): Buffer {
  const hex32 = (b: number) => `<${b.toString(16).padStart(2, '0').repeat(32)}>`;
  return rawPdf(
    [
      catalog,
      pages,
      page('4 0 R'),
      stream(Buffer.from('BT /F1 12 Tf 72 720 Td (secret) Tj ET')),
      font,
      `<< /Filter /Standard /V 1 /R 2 /O ${hex32(0x41)} /U ${hex32(0x42)} /P -4 >>`,
    ],
    `/Encrypt 6 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]`,
  );
}

/** One content stream that inflates to `mb` MiB (a few hundred KiB on disk). */
export function inflatingPdf(mb: number): Buffer {
  const data = deflateSync(Buffer.alloc(mb * 1024 * 1024, 0x20), { level: 9 });
  return rawPdf([catalog, pages, page('4 0 R'), stream(data, '/Filter /FlateDecode'), font]);
}

/** Arrays nested `depth` deep inside the page's resources. */
export function deepPdf(depth: number): Buffer {
  const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  return rawPdf([
    catalog,
    pages,
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /X ${nested} >> >>`,
    stream(Buffer.from('BT /F1 12 Tf 72 720 Td (deep) Tj ET')),
    font,
  ]);
}

/** `count` blank pages. */
export async function manyPagesPdf(count: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < count; i++) doc.addPage([200, 200]);
  return doc.save({ useObjectStreams: true });
}

/** A page that is only a picture (a scanned notice has no text layer). */
export async function imageOnlyPdf(png: Uint8Array): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const image = await doc.embedPng(png);
  const p = doc.addPage([595, 842]);
  p.drawImage(image, { x: 0, y: 0, width: 595, height: 842 });
  return doc.save();
}

/**
 * The notice with a document-open script calling `url` and an embedded file: a reader that ran
 * scripts or fetched anything would call the URL.
 */
export async function scriptedPdf(notice: Uint8Array, url: string): Promise<Uint8Array> {
  const doc = await PDFDocument.load(notice);
  doc.addJavaScript('open', `app.launchURL("${url}", true); this.submitForm("${url}");`);
  await doc.attach(Buffer.from(`<script>fetch("${url}")</script>`), 'readme.html', { mimeType: 'text/html' });
  const action = doc.context.obj({ S: PDFName.of('URI'), URI: PDFString.of(url) });
  doc.catalog.set(PDFName.of('OpenAction'), action);
  return doc.save();
}

/** `pages` pages sharing one content stream of `runs` text runs: small on disk, seconds of pdf.js work per page. */
export function slowPdf(pages: number, runs: number): Buffer {
  const content = deflateSync(Buffer.from('BT /F1 12 Tf 72 720 Td (x) Tj ET\n'.repeat(runs)), { level: 9 });
  const kids = Array.from({ length: pages }, (_, i) => `${i + 5} 0 R`).join(' ');
  const slowPage = '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>';
  return rawPdf([
    catalog,
    `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`,
    font,
    stream(content, '/Filter /FlateDecode'),
    ...Array.from({ length: pages }, () => slowPage),
  ]);
}
