/**
 * pdf.js parses and rebuilds every embedded font program of a page to extract its text: for a
 * reference notice (two IPAex subsets) that is most of the reading time. The text itself comes from
 * the fonts' ToUnicode maps, and positions from their /W widths, which stay. Pure.
 */
const FONT_FILE = Buffer.from('/FontFile', 'latin1'); // also the start of /FontFile2 and /FontFile3
/** As long as `/FontFile`, so every offset in the cross-reference table stays right. */
const UNKNOWN_KEY = Buffer.from('/SkipFont', 'latin1');

/**
 * A copy of the PDF in which no font descriptor names its embedded program, or null when none does
 * (as written in the clear; descriptors inside compressed object streams stay as they are). A file
 * whose text needs the program (no ToUnicode map) reads no pair this way and is read again whole.
 */
export function withoutFontPrograms(pdf: ArrayBuffer): ArrayBuffer | null {
  const original = Buffer.from(pdf);
  let at = original.indexOf(FONT_FILE);
  if (at === -1) return null;
  const copy = pdf.slice(0);
  const bytes = Buffer.from(copy);
  while (at !== -1) {
    UNKNOWN_KEY.copy(bytes, at);
    at = original.indexOf(FONT_FILE, at + FONT_FILE.length);
  }
  return copy;
}
