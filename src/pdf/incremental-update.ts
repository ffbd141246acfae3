import { deflateSync } from 'node:zlib';
import type { PdfMetadata, PreparedAttachment } from './types.js';

// shosho's metadata and attachments as an incremental update (ISO 32000-1 §7.5.6) appended to the
// bytes Chromium printed: new objects, a new Info and Catalog, an xref section for them and a
// trailer pointing back at Chromium's. Loading and re-saving the whole PDF cost ≈ 15 ms of a
// certificate's ≈ 100 ms (BENCHMARKS.md); this writes only what is new, and leaves Chromium's
// bytes exactly as printed.

interface Trailer {
  size: number;
  root: number;
  info: number | null;
  xrefOffset: number;
}

// What a trailer of a plain PDF (no encryption, no earlier update) holds; anything else is left to pdf-lib.
const TRAILER = /trailer\s*<<\s*((?:\/(?:Size\s+\d+|Root\s+\d+\s+0\s+R|Info\s+\d+\s+0\s+R)\s*)+)>>\s*startxref\s+(\d+)\s+%%EOF\s*$/;
const TAIL_BYTES = 512;

function trailerOf(pdf: Buffer): Trailer | null {
  const found = TRAILER.exec(pdf.toString('latin1', Math.max(0, pdf.length - TAIL_BYTES)));
  if (!found) return null;
  const entries = found[1]!;
  const size = /\/Size\s+(\d+)/.exec(entries);
  const root = /\/Root\s+(\d+)/.exec(entries);
  const info = /\/Info\s+(\d+)/.exec(entries);
  if (!size || !root) return null;
  return { size: Number(size[1]), root: Number(root[1]), info: info ? Number(info[1]) : null, xrefOffset: Number(found[2]) };
}

/** Where object `n` (generation 0) starts, by the classic xref table at `xrefOffset`; null if it is not there. */
function objectOffset(pdf: Buffer, xrefOffset: number, n: number): number | null {
  if (pdf.toString('latin1', xrefOffset, xrefOffset + 4) !== 'xref') return null;
  let at = xrefOffset + 4;
  const subsection = /^\s*(\d+) (\d+)\s*?\r?\n/;
  for (;;) {
    const head = subsection.exec(pdf.toString('latin1', at, at + 40));
    if (!head) return null;
    const first = Number(head[1]);
    const count = Number(head[2]);
    at += head[0].length;
    if (n >= first && n < first + count) {
      const entry = /^(\d{10}) (\d{5}) n/.exec(pdf.toString('latin1', at + (n - first) * 20, at + (n - first) * 20 + 20));
      return entry && entry[2] === '00000' ? Number(entry[1]) : null;
    }
    at += count * 20;
  }
}

/** The inside of the dictionary that is object `n`, which must start at `offset`: `<<` and `>>` balanced, strings skipped. */
function dictionaryBody(pdf: Buffer, offset: number, n: number): string | null {
  const text = pdf.toString('latin1', offset, Math.min(pdf.length, offset + 64 * 1024));
  const head = new RegExp(`^${n} 0 obj\\s*<<`).exec(text);
  if (!head) return null;
  let depth = 1;
  for (let i = head[0].length; i < text.length; i++) {
    const c = text[i];
    if (c === '(') i = afterLiteralString(text, i);
    else if (c === '<' && text[i + 1] === '<') {
      depth++;
      i++;
    } else if (c === '<') i = text.indexOf('>', i);
    else if (c === '>' && text[i + 1] === '>') {
      depth--;
      if (depth === 0) return text.slice(head[0].length, i);
      i++;
    }
    if (i < 0) return null;
  }
  return null;
}

function afterLiteralString(text: string, open: number): number {
  let nesting = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '(') nesting++;
    else if (text[i] === ')' && --nesting === 0) return i;
  }
  return -1;
}

const hexText = (text: string) => {
  const utf16 = Buffer.from(`\ufeff${text}`, 'utf16le').swap16();
  return `<${utf16.toString('hex').toUpperCase()}>`;
};

/** A PDF name: every byte outside the regular printable characters as #xx. */
const pdfName = (name: string) =>
  `/${[...Buffer.from(name, 'utf8')].map((b) => (b > 0x20 && b < 0x7f && !'()<>[]{}/%#'.includes(String.fromCharCode(b)) ? String.fromCharCode(b) : `#${b.toString(16).padStart(2, '0').toUpperCase()}`)).join('')}`;

/** A literal string of the name's UTF-8 bytes, every byte but plain printable ASCII as an octal escape. */
const literalBytes = (text: string) =>
  `(${[...Buffer.from(text, 'utf8')].map((b) => (b >= 0x20 && b < 0x7f && !'()\\'.includes(String.fromCharCode(b)) ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, '0')}`)).join('')})`;

/** D:YYYYMMDDHHmmSSZ, in UTC. */
const pdfDate = (date: Date) => `(D:${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z)`;

/**
 * Chromium's PDF with shosho's metadata and attachments appended as an incremental update, or
 * null when the PDF is not the plain kind this writes onto (an xref stream, an earlier update,
 * encryption, or a catalog that already names files).
 */
export function appendShoshoUpdate(chromiumPdf: Uint8Array, metadata: PdfMetadata, attachments: PreparedAttachment[], now: Date): Uint8Array | null {
  const pdf = Buffer.from(chromiumPdf.buffer, chromiumPdf.byteOffset, chromiumPdf.byteLength);
  const trailer = trailerOf(pdf);
  if (!trailer) return null;
  const catalogAt = objectOffset(pdf, trailer.xrefOffset, trailer.root);
  const catalog = catalogAt === null ? null : dictionaryBody(pdf, catalogAt, trailer.root);
  if (catalog === null || /\/(Names|AF)\b/.test(catalog)) return null;

  const parts: Buffer[] = [pdf, Buffer.from('\n')];
  let length = pdf.length + 1;
  const offsets = new Map<number, number>();
  const write = (n: number, ...body: Array<string | Buffer>) => {
    offsets.set(n, length);
    for (const piece of [`${n} 0 obj\n`, ...body, '\nendobj\n']) {
      const bytes = typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece;
      parts.push(bytes);
      length += bytes.length;
    }
  };

  let next = trailer.size;
  const date = pdfDate(now);
  const fileSpecs: Array<{ key: string; ref: string }> = [];
  for (const file of attachments) {
    const stream = next++;
    const data = deflateSync(file.bytes);
    write(
      stream,
      `<</Type /EmbeddedFile /Subtype ${pdfName(file.mimeType)} /Params <</Size ${file.bytes.length} /CreationDate ${date} /ModDate ${date}>>`,
      ` /Length ${data.length} /Filter /FlateDecode>>\nstream\n`,
      data,
      '\nendstream',
    );
    const spec = next++;
    const description = file.description === undefined ? '' : ` /Desc ${hexText(file.description)}`;
    write(spec, `<</Type /Filespec /F ${literalBytes(file.name)} /UF ${hexText(file.name)} /EF <</F ${stream} 0 R>>${description}>>`);
    fileSpecs.push({ key: hexText(file.name), ref: `${spec} 0 R` });
  }

  const info = trailer.info ?? next++;
  const keywords = metadata.keywords?.length ? ` /Keywords ${hexText(metadata.keywords.join(' '))}` : '';
  write(
    info,
    `<</Title ${hexText(metadata.title)} /Subject ${hexText(metadata.subject)} /Author ${hexText(metadata.author)}${keywords}`,
    ` /Producer ${hexText('shosho')} /Creator ${hexText('shosho (Chromium)')} /CreationDate ${date} /ModDate ${date}>>`,
  );
  const names = fileSpecs.map((f) => `${f.key} ${f.ref}`).join(' ');
  const associated = fileSpecs.map((f) => f.ref).join(' ');
  write(trailer.root, `<<${catalog}\n/Names <</EmbeddedFiles <</Names [${names}]>>>>\n/AF [${associated}]>>`);

  const xrefAt = length;
  const numbers = [...offsets.keys()].sort((a, b) => a - b);
  let xref = 'xref\n';
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    xref += `${numbers[i]} ${j - i + 1}\n`;
    for (let k = i; k <= j; k++) xref += `${String(offsets.get(numbers[k]!)).padStart(10, '0')} 00000 n \n`;
    i = j + 1;
  }
  xref += `trailer\n<</Size ${next} /Root ${trailer.root} 0 R /Info ${info} 0 R /Prev ${trailer.xrefOffset}>>\nstartxref\n${xrefAt}\n%%EOF\n`;
  parts.push(Buffer.from(xref, 'latin1'));
  return new Uint8Array(Buffer.concat(parts));
}
