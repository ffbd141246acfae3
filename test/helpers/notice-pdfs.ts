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

/**
 * The characters of numbers and keys, in the order a Type 1 font's built-in encoding places them
 * from its first code on (see noticeInBuiltInEncodingPdf).
 */
const FIGURES = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-';
const DIGIT_NAMES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const glyphName = (c: string) => (/[0-9]/.test(c) ? DIGIT_NAMES[Number(c)]! : c === '-' ? 'hyphen' : c);

/** Type 1 charstring numbers (Adobe Type 1 Font Format, 6.2). */
function charstringNumber(v: number): number[] {
  if (v >= -107 && v <= 107) return [v + 139];
  if (v >= 108 && v <= 1131) return [((v - 108) >> 8) + 247, (v - 108) & 0xff];
  if (v <= -108 && v >= -1131) return [((-v - 108) >> 8) + 251, (-v - 108) & 0xff];
  return [255, (v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** Type 1 encryption (7.1): `key` 55665 for the eexec part, 4330 for each charstring, after four lead bytes. */
function type1Encrypt(plain: Buffer, key: number): Buffer {
  const input = Buffer.concat([Buffer.alloc(4), plain]);
  const out = Buffer.alloc(input.length);
  let r = key;
  for (let i = 0; i < input.length; i++) {
    out[i] = input[i]! ^ (r >> 8);
    r = ((out[i]! + r) * 52845 + 22719) & 0xffff;
  }
  return out;
}

/** A glyph 600 units wide drawn as a box: the outline does not matter here, only which glyph a code names. */
function boxCharstring(): Buffer {
  const op = (args: number[], code: number) => [...args.flatMap(charstringNumber), code];
  const [hsbw, rmoveto, rlineto, closepath, endchar] = [13, 21, 5, 9, 14];
  return Buffer.from([
    ...op([50, 600], hsbw),
    ...op([0, 0], rmoveto),
    ...op([500, 0], rlineto),
    ...op([0, 700], rlineto),
    ...op([-500, 0], rlineto),
    ...op([], closepath),
    ...op([], endchar),
  ]);
}

/** A Type 1 font program (as a PDF's FontFile holds it) whose built-in encoding is `codes`: code → glyph name. */
function type1Font(name: string, codes: ReadonlyMap<number, string>): { program: Buffer; length1: number; length2: number } {
  const encoding = [...codes].map(([code, glyph]) => `dup ${code} /${glyph} put`).join('\n');
  const clear = Buffer.from(
    `%!PS-AdobeFont-1.0: ${name} 001.000
11 dict begin
/FontInfo 1 dict dup begin /FullName (${name}) readonly def end readonly def
/FontName /${name} def
/PaintType 0 def
/FontType 1 def
/FontMatrix [0.001 0 0 0.001 0 0] readonly def
/FontBBox {0 0 600 700} readonly def
/Encoding 256 array
0 1 255 {1 index exch /.notdef put} for
${encoding}
readonly def
currentdict end
currentfile eexec
`,
    'latin1',
  );
  const glyphs = ['.notdef', ...codes.values()];
  const charstrings = glyphs.map((g) => {
    const encrypted = type1Encrypt(boxCharstring(), 4330);
    return Buffer.concat([Buffer.from(`/${g} ${encrypted.length} RD `, 'latin1'), encrypted, Buffer.from(' ND\n', 'latin1')]);
  });
  const privatePart = Buffer.concat([
    Buffer.from(
      `dup /Private 8 dict dup begin
/RD {string currentfile exch readstring pop} executeonly def
/ND {noaccess def} executeonly def
/NP {noaccess put} executeonly def
/lenIV 4 def
/password 5839 def
/MinFeature {16 16} noaccess def
/BlueValues [] noaccess ND
2 index /CharStrings ${glyphs.length} dict dup begin
`,
      'latin1',
    ),
    ...charstrings,
    Buffer.from('end\nend\nreadonly put\nnoaccess put\ndup /FontName get exch definefont pop\nmark currentfile closefile\n', 'latin1'),
  ]);
  const eexec = type1Encrypt(privatePart, 55665);
  return { program: Buffer.concat([clear, eexec]), length1: clear.length, length2: eexec.length };
}

/** `text` as UTF-16BE hex, for a font whose CMap is UniJIS-UCS2-H. */
const ucs2Hex = (text: string) => `<${Buffer.from(text, 'utf16le').swap16().toString('hex')}>`;

/**
 * A key notice whose labels are in a standard Japanese font (HeiseiKakuGo-W5, not embedded) and
 * whose number and key are in an embedded Type 1 font with neither ToUnicode map nor /Encoding:
 * their characters come only from the font program's built-in encoding (PDF 32000 9.6.6.2), which
 * places 0–9, A–Z and the hyphen from `firstCode` on. From 1, where the standard encodings have
 * control codes, a reader without the program reads no figures; from 0x30, it reads the digits
 * right and other letters than the key's.
 */
export function noticeInBuiltInEncodingPdf(number: string, authKey: string, firstCode: 1 | 0x30): Buffer {
  const codes = new Map([...FIGURES].map((c, i) => [firstCode + i, glyphName(c)]));
  const { program, length1, length2 } = type1Font('AAAAAA+NoticeFigures', codes);
  const inFontCodes = (s: string) => `<${[...s].map((c) => (FIGURES.indexOf(c) + firstCode).toString(16).padStart(2, '0')).join('')}>`;
  const lines: Array<[label: string, value: string, y: number]> = [
    ['保証契約番号：', number, 720],
    ['認証キー：', authKey, 700],
  ];
  const content = lines.map(([label, value, y]) => `BT /F1 12 Tf 72 ${y} Td ${ucs2Hex(label)} Tj /F2 12 Tf ${inFontCodes(value)} Tj ET`).join('\n');
  const widths = Array.from({ length: FIGURES.length }, () => 600).join(' ');
  return rawPdf([
    catalog,
    pages,
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R /F2 7 0 R >> >> /Contents 4 0 R >>`,
    stream(Buffer.from(content, 'latin1')),
    '<< /Type /Font /Subtype /Type0 /BaseFont /HeiseiKakuGo-W5 /Encoding /UniJIS-UCS2-H /DescendantFonts [6 0 R] >>',
    `<< /Type /Font /Subtype /CIDFontType0 /BaseFont /HeiseiKakuGo-W5 /DW 1000
/CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 5 >>
/FontDescriptor << /Type /FontDescriptor /FontName /HeiseiKakuGo-W5 /Flags 4 /FontBBox [-92 -250 1010 922] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 737 /StemV 114 >> >>`,
    `<< /Type /Font /Subtype /Type1 /BaseFont /AAAAAA+NoticeFigures /FirstChar ${firstCode} /LastChar ${firstCode + FIGURES.length - 1} /Widths [${widths}] /FontDescriptor 8 0 R >>`,
    '<< /Type /FontDescriptor /FontName /AAAAAA+NoticeFigures /Flags 5 /FontBBox [0 0 600 700] /ItalicAngle 0 /Ascent 700 /Descent 0 /CapHeight 700 /StemV 80 /FontFile 9 0 R >>',
    stream(program, `/Length1 ${length1} /Length2 ${length2} /Length3 0`),
  ]);
}
