/**
 * Key-notice text → (number, auth key) pairs (SPEC §8). Pure: the PDF side hands in lines of cells
 * made from text positions, pasted text arrives as lines split at tabs; both read the same way.
 */
import { canonicalize, type Kind, type RevisionType } from '../domain/index.js';

/** One table cell or run of text, `x` its left edge (PDF points, or the column in pasted text). */
export interface TextCell {
  text: string;
  x: number;
}

export interface TextLine {
  page: number;
  cells: TextCell[];
}

export interface NoticePair {
  /** the page the number stands on (1 for pasted text) */
  page: number;
  number: string;
  authKey: string;
  kind: Kind | null;
  revisionType: RevisionType | null;
  projectName: string | null;
  /** which label named the number: 保証契約番号 (10 digits expected) or 証券番号 (an insurer's) */
  numberLabel: 'contract' | 'policy';
}

type Field = 'number' | 'authKey' | 'revisionType' | 'projectName';

const LABELS: ReadonlyArray<readonly [string, Field]> = [
  ['保証契約番号', 'number'],
  ['証券番号', 'number'],
  ['閲覧用パスワード', 'authKey'],
  ['認証キー', 'authKey'],
  ['パスワード', 'authKey'],
  ['区分', 'revisionType'],
  ['工事名', 'projectName'],
  ['件名', 'projectName'],
  ['業務名', 'projectName'],
];
const LABEL_FIELD = new Map(LABELS);
// longer labels first, so 閲覧用パスワード is one label and not パスワード after some text
const LABEL = new RegExp(LABELS.map(([l]) => l).join('|'), 'gu');

const KIND_WORDS: ReadonlyArray<readonly [string, Kind]> = [
  ['中間前払金保証', 'interim_advance_payment'],
  ['前払金保証', 'advance_payment'],
  ['契約保証', 'contract'],
  ['履行保証証券', 'performance_bond'],
  ['履行保証保険', 'performance_insurance'],
];
const KIND_WORD = new RegExp(KIND_WORDS.map(([w]) => w).join('|'), 'gu');
const KIND_OF = new Map(KIND_WORDS);

const REVISION_WORDS: ReadonlyArray<readonly [RegExp, RevisionType]> = [
  [/^新規/u, 'new'],
  [/^変更/u, 'change'],
  [/^訂正/u, 'correction'],
];

/** What may stand between a label and its value: spaces, a colon, a note in brackets such as （半角英数字）. */
const LEAD = /^(?:[\s:]|[(（][^()（）]{0,20}[)）])*/u;
/** The characters a number or key is written with before canonical form (NFKC already applied). */
const VALUE_RUN = /^[0-9A-Za-z\s\u3000\u002D\u2010-\u2015\u2212\u30FC\uFF70]+/u;
const CANONICAL_NUMBER = /^[0-9A-Z]{6,20}$/;
const CANONICAL_KEY = /^[0-9A-Z]{6,32}$/;
const MAX_PROJECT_NAME = 200;
const URL_NUMBER = /https?:\/\/\S*?[?&]number=([0-9A-Za-z-]{6,40})/gu;

interface Event {
  field: Field | 'kind';
  value: string;
  page: number;
  line: number;
  numberLabel?: 'contract' | 'policy';
}

/** Pasted text: lines as they are, cells split at tabs. */
export function linesFromText(text: string): TextLine[] {
  return text.split(/\r\n|\r|\n/u).map((line) => {
    let x = 0;
    const cells = line.split('\t').map((cell) => {
      const c = { text: cell, x };
      x += cell.length + 1;
      return c;
    });
    return { page: 1, cells };
  });
}

/** Every (number, key) pair the lines hold, in document order, each pair once. */
export function readPairs(lines: readonly TextLine[]): NoticePair[] {
  const normalised = lines.map((l) => ({ page: l.page, cells: l.cells.map((c) => ({ text: c.text.normalize('NFKC'), x: c.x })) }));
  const events = normalised.flatMap((line, i) => lineEvents(line, i, normalised[i + 1]));
  const pairs = groupIntoNotices(events);
  const seen = new Set<string>();
  return pairs.filter((p) => {
    const id = `${p.number}\u0000${p.authKey}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function lineEvents(line: TextLine, lineIndex: number, next: TextLine | undefined): Event[] {
  const events: Array<Event & { at: number }> = [];
  const valueSpans: Array<[number, number]> = [];
  line.cells.forEach((cell, cellIndex) => {
    const labels = [...cell.text.matchAll(LABEL)];
    labels.forEach((m, k) => {
      const field = LABEL_FIELD.get(m[0])!;
      const start = m.index + m[0].length;
      const end = labels[k + 1]?.index ?? cell.text.length;
      const lead = LEAD.exec(cell.text.slice(start, end))![0].length;
      let raw = cell.text.slice(start + lead, end);
      const at = cellIndex * 1e6 + m.index;
      if (raw.trim() === '' && k === labels.length - 1) {
        // nothing after the label in its cell: the value is in the next cell, or below on the next line
        const beside = beforeLabel(line.cells.slice(cellIndex + 1).find((c) => c.text.trim() !== '')?.text ?? '');
        raw = beside.trim() !== '' ? beside : beforeLabel(cellBelow(cell.x, next) ?? '');
      } else {
        valueSpans.push([start, end]);
      }
      const value = fieldValue(field, raw);
      if (value !== null)
        events.push({
          field,
          value,
          page: line.page,
          line: lineIndex,
          at,
          ...(field === 'number' ? { numberLabel: m[0] === '証券番号' ? ('policy' as const) : ('contract' as const) } : {}),
        });
    });
    // a viewing URL (SPEC §3: `GET /?number=…`) carries the number where no label names it
    for (const m of cell.text.matchAll(URL_NUMBER)) {
      const value = canonicalRun(m[1]!, CANONICAL_NUMBER);
      if (value) events.push({ field: 'number', value, page: line.page, line: lineIndex, at: cellIndex * 1e6 + m.index, numberLabel: 'contract' });
    }
    const kinds = [...cell.text.matchAll(KIND_WORD)].filter((m) => !valueSpans.some(([s, e]) => m.index >= s && m.index < e));
    // a sentence naming several kinds is prose about them, not this notice's kind
    if (new Set(kinds.map((m) => m[0])).size === 1) {
      for (const m of kinds) events.push({ field: 'kind', value: KIND_OF.get(m[0])!, page: line.page, line: lineIndex, at: cellIndex * 1e6 + m.index });
    }
    valueSpans.length = 0;
  });
  return events.sort((a, b) => a.at - b.at);
}

function beforeLabel(text: string): string {
  const at = text.search(LABEL);
  return at === -1 ? text : text.slice(0, at);
}

/** The cell of the next line standing under a label: the only one, or the nearest by its left edge. */
function cellBelow(x: number, next: TextLine | undefined): string | undefined {
  const cells = next?.cells.filter((c) => c.text.trim() !== '') ?? [];
  if (cells.length <= 1) return cells[0]?.text;
  return cells.reduce((best, c) => (Math.abs(c.x - x) < Math.abs(best.x - x) ? c : best)).text;
}

function fieldValue(field: Field, raw: string): string | null {
  switch (field) {
    case 'number':
      return canonicalRun(raw, CANONICAL_NUMBER);
    case 'authKey':
      return canonicalRun(raw, CANONICAL_KEY);
    case 'revisionType': {
      const word = raw.trim();
      return REVISION_WORDS.find(([re]) => re.test(word))?.[1] ?? null;
    }
    case 'projectName': {
      const name = raw.replace(/\s+/gu, ' ').trim();
      return name && name.length <= MAX_PROJECT_NAME ? name : null;
    }
  }
}

/** The value at the start of `raw` in canonical form, if it is one; what follows it (a note, a bracket) is left. */
function canonicalRun(raw: string, accept: RegExp): string | null {
  const run = VALUE_RUN.exec(raw.trimStart())?.[0];
  if (!run) return null;
  const value = canonicalize(run);
  return accept.test(value) ? value : null;
}

/**
 * Fields in document order → notices. A field this notice already holds with another value starts
 * the next notice, so notices may put the kind or project before the number or after the key.
 */
function groupIntoNotices(events: readonly Event[]): NoticePair[] {
  const out: NoticePair[] = [];
  let cur: Partial<Record<Field | 'kind', string>> & { page?: number; numberLabel?: 'contract' | 'policy' } = {};
  const flush = () => {
    if (cur.number && cur.authKey) {
      out.push({
        page: cur.page!,
        number: cur.number,
        authKey: cur.authKey,
        kind: (cur.kind as Kind | undefined) ?? null,
        revisionType: (cur.revisionType as RevisionType | undefined) ?? null,
        projectName: cur.projectName ?? null,
        numberLabel: cur.numberLabel!,
      });
    }
    cur = {};
  };
  for (const [i, e] of events.entries()) {
    const held = cur[e.field];
    const next = events[i + 1];
    // words on the line of the next number (「履行保証保険　証券番号 …」) belong to that number's notice
    if (cur.number && cur.authKey && e.field !== 'number' && next?.field === 'number' && next.line === e.line) flush();
    else if (held !== undefined) {
      // the same words again inside one notice (a title and its table) are no new notice
      if (held === e.value && !(cur.number && cur.authKey)) continue;
      flush();
    }
    cur[e.field] = e.value;
    if (e.field === 'number') {
      cur.page = e.page;
      cur.numberLabel = e.numberLabel;
    }
  }
  flush();
  return out;
}
