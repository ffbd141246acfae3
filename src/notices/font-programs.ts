/**
 * pdf.js parses and rebuilds every embedded font program of a page to extract its text: for a
 * reference notice (two IPAex subsets) that is most of the reading time. Only TrueType programs
 * (/FontFile2) are set aside: pdf.js takes a TrueType font's text from its ToUnicode map, its
 * encoding or the CID ordering, never from the program, and its positions from /Widths or /W. A
 * Type 1 or CFF program (/FontFile, /FontFile3) may carry the font's built-in encoding, which is
 * where the characters come from when the font has neither ToUnicode nor /Encoding: those stay,
 * or the copy would read other characters than the file. Pure.
 */
const TRUETYPE_PROGRAM = Buffer.from('/FontFile2', 'latin1');
/** As long as `/FontFile2`, so every offset in the cross-reference table stays right. */
const UNKNOWN_KEY = Buffer.from('/SkipFont2', 'latin1');

/**
 * A copy of the PDF in which no font descriptor names an embedded TrueType program, or null when
 * none does (as written in the clear; descriptors inside compressed object streams stay as they are).
 */
export function withoutFontPrograms(pdf: ArrayBuffer): ArrayBuffer | null {
  const original = Buffer.from(pdf);
  let at = original.indexOf(TRUETYPE_PROGRAM);
  if (at === -1) return null;
  const copy = pdf.slice(0);
  const bytes = Buffer.from(copy);
  while (at !== -1) {
    UNKNOWN_KEY.copy(bytes, at);
    at = original.indexOf(TRUETYPE_PROGRAM, at + TRUETYPE_PROGRAM.length);
  }
  return copy;
}
