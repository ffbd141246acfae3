import iconv from 'iconv-lite';
import type { ZodError } from 'zod';
import { parseTypedDate } from '../domain/index.js';
import { translate, type Lang, type MessageKey, type MessageParams } from '../render/index.js';
import { contractInputSchema, referenceSchema, type ContractInput } from './contract.js';

/**
 * The largest CSV the HTTP import takes (API and page; the command line reads any file). A row of
 * the ledger is typically 150–300 bytes, so this is room for about 30,000 rows; the import of
 * 10,000 is measured in BENCHMARKS.md.
 */
export const MAX_CSV_BYTES = 8 * 1024 * 1024;

/** SPEC §9 import columns: each field with its Japanese and English header. */
const COLUMNS = {
  reference: '契約番号',
  projectName: '工事名',
  contractor: '受注者',
  contractorEmail: '受注者メール',
  contractPrice: '請負代金額',
  contractDate: '契約日',
  periodFrom: '工期開始',
  periodTo: '工期終了',
  required: '必要な保証',
  section: '担当課',
} as const;
type Column = keyof typeof COLUMNS;
const OPTIONAL: readonly Column[] = ['contractorEmail', 'section'];

export interface CsvError {
  line: number;
  field: string;
  message: string;
}

export interface CsvRow {
  line: number;
  reference: string;
  input: ContractInput;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The file's text: UTF-8 (with or without a byte order mark), else Shift_JIS as Excel saves it
 * (CP932, which has 髙, 﨑, ① and ㈱ that plain Shift_JIS lacks).
 */
export function decodeCsv(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.subarray(0, 3).equals(UTF8_BOM)) return buf.subarray(3).toString('utf8');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return iconv.decode(buf, 'cp932');
  }
}

/** RFC 4180 records, each with the line it starts on; a quote left open is reported, not guessed at. */
export function splitCsv(text: string): { records: Array<{ line: number; fields: string[] }>; openQuoteAt: number | null } {
  const records: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let start = 1;
  let quoted = false;
  let quoteLine = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"' && field === '') {
      quoted = true;
      quoteLine = line;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
    } else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      fields.push(field);
      if (fields.length > 1 || fields[0] !== '') records.push({ line: start, fields });
      fields = [];
      field = '';
      line++;
      start = line;
    } else field += ch;
  }
  if (quoted) return { records, openQuoteAt: quoteLine };
  fields.push(field);
  if (fields.length > 1 || fields[0] !== '') records.push({ line: start, fields });
  return { records, openQuoteAt: null };
}

/** `88,000,000円`, `８８０００００００` → 88000000; null when it is not whole yen. */
export function parseAmount(text: string): number | null {
  const plain = text.normalize('NFKC').replace(/[\s,]/g, '').replace(/^金/, '').replace(/円$/, '');
  if (!/^\d{1,16}$/.test(plain)) return null;
  const n = Number(plain);
  return Number.isSafeInteger(n) ? n : null;
}

/** `2024/6/1`, `2024-06-01`, `R6.6.1`, `令和6年6月1日` → `2024-06-01`; null when it names no day. */
export function parseDate(text: string): string | null {
  const typed = parseTypedDate(text);
  return typed.ok ? typed.date : null;
}

function headerColumn(name: string): Column | null {
  const word = name.normalize('NFKC').replace(/\s+/g, '');
  for (const [column, japanese] of Object.entries(COLUMNS) as Array<[Column, string]>) {
    if (word === japanese || word.toLowerCase() === column.toLowerCase()) return column;
  }
  return null;
}

/**
 * Reads a contracts CSV: every row as a contract, or every error with its line and field (SPEC §9).
 * Nothing here touches the database.
 */
export function parseContractsCsv(bytes: Uint8Array, lang: Lang): { rows: CsvRow[]; errors: CsvError[] } {
  const say = (key: MessageKey, params?: MessageParams) => translate(lang, key, params);
  const errors: CsvError[] = [];
  const { records, openQuoteAt } = splitCsv(decodeCsv(bytes));
  if (openQuoteAt !== null) return { rows: [], errors: [{ line: openQuoteAt, field: '', message: say('ledger.csv.openQuote') }] };
  const [header, ...data] = records;
  if (!header) return { rows: [], errors: [{ line: 1, field: '', message: say('ledger.csv.empty') }] };
  const columns: Column[] = [];
  for (const name of header.fields) {
    const column = headerColumn(name);
    if (!column) errors.push({ line: header.line, field: name, message: say('ledger.csv.unknownHeader', { header: name }) });
    else if (columns.includes(column)) errors.push({ line: header.line, field: column, message: say('ledger.csv.duplicateHeader', { header: name }) });
    if (column) columns.push(column);
  }
  for (const column of Object.keys(COLUMNS) as Column[]) {
    if (!OPTIONAL.includes(column) && !columns.includes(column)) {
      errors.push({ line: header.line, field: column, message: say('ledger.csv.missingHeader', { header: `${COLUMNS[column]} / ${column}` }) });
    }
  }
  if (errors.length) return { rows: [], errors };
  if (data.length === 0) return { rows: [], errors: [{ line: header.line + 1, field: '', message: say('ledger.csv.empty') }] };

  const rows: CsvRow[] = [];
  const seen = new Map<string, number>();
  for (const record of data) {
    if (record.fields.length !== columns.length) {
      errors.push({ line: record.line, field: '', message: say('ledger.csv.fieldCount', { count: record.fields.length, expected: columns.length }) });
      continue;
    }
    const cell = Object.fromEntries(columns.map((c, i) => [c, record.fields[i]!.trim()])) as Record<Column, string | undefined>;
    const rowErrors: CsvError[] = [];
    const fail = (field: Column, key: MessageKey, params?: MessageParams) => rowErrors.push({ line: record.line, field, message: say(key, params) });
    const need = (field: Column) => {
      const value = cell[field] ?? '';
      if (value === '') fail(field, 'ledger.csv.missingValue');
      return value;
    };
    const reference = need('reference');
    if (reference && !referenceSchema.safeParse(reference).success) fail('reference', 'ledger.csv.reference');
    const earlier = seen.get(reference);
    if (reference && earlier !== undefined) fail('reference', 'ledger.csv.duplicateReference', { reference, line: earlier });
    if (reference) seen.set(reference, record.line);
    const price = need('contractPrice');
    const contractPrice = price === '' ? null : parseAmount(price);
    if (price !== '' && contractPrice === null) fail('contractPrice', 'ledger.csv.amount', { value: price });
    const dates = (['contractDate', 'periodFrom', 'periodTo'] as const).map((field) => {
      const value = need(field);
      const parsed = value === '' ? null : parseDate(value);
      if (value !== '' && parsed === null) fail(field, 'ledger.csv.date', { value });
      return parsed;
    });
    const required = (cell.required ?? '')
      .normalize('NFKC')
      .split(';')
      .map((k) => k.trim())
      .filter(Boolean);
    const parsed = contractInputSchema.safeParse({
      projectName: need('projectName'),
      contractor: { name: need('contractor'), ...(cell.contractorEmail ? { email: cell.contractorEmail } : {}) },
      contractPrice: contractPrice ?? 0,
      contractDate: dates[0] ?? '2000-01-01',
      period: { from: dates[1] ?? '2000-01-01', to: dates[2] ?? dates[1] ?? '2000-01-01' },
      required,
      ...(cell.section ? { section: cell.section } : {}),
    });
    if (!parsed.success) rowErrors.push(...schemaErrors(parsed.error, record.line, cell, say));
    // one error per field: the first problem found is the one to fix
    const reported = new Set<string>();
    for (const e of rowErrors)
      if (!reported.has(e.field)) {
        reported.add(e.field);
        errors.push(e);
      }
    if (rowErrors.length === 0 && parsed.success) {
      const { reference: _r, createdAt: _c, updatedAt: _u, guarantees: _g, state: _s, ...input } = parsed.data;
      rows.push({ line: record.line, reference, input });
    }
  }
  return errors.length ? { rows: [], errors } : { rows, errors };
}

const SCHEMA_FIELD: Record<string, Column> = {
  projectName: 'projectName',
  'contractor.name': 'contractor',
  'contractor.email': 'contractorEmail',
  contractDate: 'contractDate',
  'period.from': 'periodFrom',
  'period.to': 'periodTo',
  section: 'section',
  contractPrice: 'contractPrice',
};

function schemaErrors(
  error: ZodError,
  line: number,
  cell: Record<Column, string | undefined>,
  say: (key: MessageKey, params?: MessageParams) => string,
): CsvError[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.');
    if (path.startsWith('required')) return [{ line, field: 'required', message: say('ledger.csv.kind', { value: cell.required ?? '' }) }];
    const field = SCHEMA_FIELD[path];
    if (!field || (cell[field] ?? '') === '') return [];
    const message = path === 'period.to' && issue.code === 'custom' ? say('ledger.csv.periodOrder') : say('ledger.csv.invalid', { detail: issue.message });
    return [{ line, field, message }];
  });
}
