import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFRawStream, PDFStream, PDFString, decodePDFRawStream } from 'pdf-lib';
import { PdfError, messageOf } from './errors.js';
import { appendShoshoUpdate } from './incremental-update.js';
import type { PdfAttachment, PdfMetadata, PreparedAttachment } from './types.js';

// shosho's part of every PDF: metadata and attachments written after Chromium, and read back by `shosho verify`.

const utf8 = new TextEncoder();

/**
 * Checked before anything is printed: names must be unique, and they are sorted by UTF-16
 * code units (the byte order of the keys pdf-lib writes) because a PDF name tree must be sorted.
 */
export function prepareAttachments(attachments: PdfAttachment[]): PreparedAttachment[] {
  const names = new Set<string>();
  for (const { name } of attachments) {
    if (names.has(name)) throw new TypeError(`two attachments are named ${JSON.stringify(name)}`);
    names.add(name);
  }
  return [...attachments]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(({ name, data, mimeType, description }) => ({
      name,
      // pdf-lib would read a string as base64: hand it bytes.
      bytes: typeof data === 'string' ? utf8.encode(data) : data,
      mimeType,
      description,
    }));
}

/**
 * Adds shosho's metadata and the attachments to the PDF Chromium printed: appended as an update,
 * or, for a PDF of another structure than Chromium's today, by pdf-lib rewriting the whole file.
 */
export async function finishPdf(chromiumPdf: Uint8Array, metadata: PdfMetadata, attachments: PreparedAttachment[], now: Date): Promise<Uint8Array> {
  return appendShoshoUpdate(chromiumPdf, metadata, attachments, now) ?? rewrittenByPdfLib(chromiumPdf, metadata, attachments, now);
}

async function rewrittenByPdfLib(chromiumPdf: Uint8Array, metadata: PdfMetadata, attachments: PreparedAttachment[], now: Date): Promise<Uint8Array> {
  const doc = await PDFDocument.load(chromiumPdf, { updateMetadata: false });
  doc.setTitle(metadata.title, { showInWindowTitleBar: true });
  doc.setSubject(metadata.subject);
  doc.setAuthor(metadata.author);
  if (metadata.keywords?.length) doc.setKeywords(metadata.keywords);
  doc.setProducer('shosho');
  doc.setCreator('shosho (Chromium)');
  doc.setCreationDate(now);
  doc.setModificationDate(now);
  for (const { name, bytes, mimeType, description } of attachments) {
    await doc.attach(bytes, name, { mimeType, description, creationDate: now, modificationDate: now });
  }
  // A classic cross-reference table: the plainest structure for whatever tool opens the archive years later.
  return doc.save({ useObjectStreams: false });
}

// Name trees are shallow in practice; the bound stops a malicious reference cycle.
const MAX_TREE_DEPTH = 32;

function unreadable(reason: string, cause?: unknown): PdfError {
  return new PdfError('PDF_UNREADABLE', `not a readable PDF: ${reason}`, { cause });
}

/** The files embedded in a PDF (catalog → Names → EmbeddedFiles), by name, decoded. */
export async function readPdfAttachments(pdf: Uint8Array): Promise<Map<string, Uint8Array>> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(pdf, { updateMetadata: false });
  } catch (error) {
    throw unreadable(messageOf(error), error);
  }
  const files = new Map<string, Uint8Array>();
  try {
    const names = doc.catalog.lookupMaybe(PDFName.of('Names'), PDFDict);
    const tree = names?.lookupMaybe(PDFName.of('EmbeddedFiles'), PDFDict);
    if (tree) collectNameTree(tree, files, 0);
  } catch (error) {
    throw error instanceof PdfError ? error : unreadable(messageOf(error), error);
  }
  return files;
}

function collectNameTree(node: PDFDict, files: Map<string, Uint8Array>, depth: number): void {
  if (depth > MAX_TREE_DEPTH) throw unreadable('the embedded-files name tree is too deep');
  const pairs = node.lookupMaybe(PDFName.of('Names'), PDFArray);
  for (let i = 0; pairs && i + 1 < pairs.size(); i += 2) {
    const key = pairs.lookup(i);
    if (!(key instanceof PDFString || key instanceof PDFHexString)) {
      throw unreadable('an embedded-files key is not a string');
    }
    const name = key.decodeText();
    // Two files under one name would leave a verifier to guess which one is the evidence.
    if (files.has(name)) throw unreadable(`two embedded files are named ${JSON.stringify(name)}`);
    files.set(name, embeddedFileBytes(pairs.lookup(i + 1, PDFDict)));
  }
  const kids = node.lookupMaybe(PDFName.of('Kids'), PDFArray);
  for (let i = 0; kids && i < kids.size(); i += 1) {
    collectNameTree(kids.lookup(i, PDFDict), files, depth + 1);
  }
}

function embeddedFileBytes(fileSpec: PDFDict): Uint8Array {
  const streams = fileSpec.lookup(PDFName.of('EF'), PDFDict);
  const stream = streams.lookupMaybe(PDFName.of('F'), PDFStream) ?? streams.lookup(PDFName.of('UF'), PDFStream);
  // Every stream of a PDF read from bytes is raw (still encoded).
  if (!(stream instanceof PDFRawStream)) throw unreadable('an embedded file is not a stream');
  return decodePDFRawStream(stream).decode();
}
