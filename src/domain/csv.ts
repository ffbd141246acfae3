/** CSV for Excel: UTF-8 with a byte order mark, RFC 4180 quoting, CRLF, formula-inert cells. */

/** Excel opens a CSV as UTF-8 only when it starts with a byte order mark. */
export const BOM = '\uFEFF';

/** A spreadsheet treats a cell starting with one of these as a formula (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One field, RFC 4180: always quoted, quotes doubled. A value a spreadsheet would run as a formula
 * gets a leading `'`, so it is shown as the text it is.
 */
export function csvField(value: string): string {
  const inert = FORMULA_START.test(value) ? `'${value}` : value;
  return `"${inert.replaceAll('"', '""')}"`;
}

/** One record, CRLF-terminated. */
export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
