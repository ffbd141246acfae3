import { setMaxListeners } from 'node:events';
import { recordAudit } from '../auditlog/index.js';
import { canonicalize } from '../domain/index.js';
import type { Sql } from '../db/index.js';
import { withoutFontPrograms } from './font-programs.js';
import { linesOfPage } from './layout.js';
import type { Kind } from '../domain/index.js';
import { linesFromText, readPairs, type NoticePair, type TextLine } from './parse.js';
import { PdfTextPool, type PdfPoolOptions, type PdfText } from './pdf-pool.js';

/** SPEC §8 limits. */
export const MAX_FILES = 20;
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const MAX_TEXT_BYTES = 64 * 1024;

/** A request's files are read within this, all together; what is not read by then is `timeout`. */
export const REQUEST_DEADLINE_MS = 15_000;

/** SPEC §8's problem codes, and `timeout`: the request's time ran out before the file was read. */
export const NOTICE_PROBLEM_CODES = ['not_pdf', 'encrypted', 'too_large', 'no_text', 'no_pair', 'unreadable', 'timeout'] as const;
export type NoticeProblemCode = (typeof NOTICE_PROBLEM_CODES)[number];

export interface NoticeItem {
  source: string;
  number: string;
  authKey: string;
  kind: Kind | null;
  revisionType: NoticePair['revisionType'];
  projectName: string | null;
  numberLabel: NoticePair['numberLabel'];
}

export interface NoticeProblem {
  source: string;
  code: NoticeProblemCode;
}

export interface NoticeReading {
  items: NoticeItem[];
  problems: NoticeProblem[];
}

export interface NoticeFile {
  name: string;
  bytes: ArrayBuffer;
}

export interface NoticeInput {
  files: NoticeFile[];
  text?: string;
}

export interface Reader {
  orgId: string;
  actor: string;
  client: string;
  requestId?: string;
}

/** `%PDF-` must start within the first KiB (as PDF readers allow). */
const PDF_HEADER = '%PDF-';

type SourceReading = { pairs: Array<NoticePair & { source: string }>; problem?: NoticeProblemCode };

/**
 * Reads key notices — PDF files in a worker pool, pasted text directly — and records one audit
 * entry per file or text: its name, the numbers found, any problem; never a key. The answer comes
 * after the entries are committed (concurrent requests' entries share a commit: `recordAudit`).
 */
export function createNoticeReader(deps: { sql: Sql; pool?: PdfPoolOptions; requestDeadlineMs?: number }) {
  const pool = new PdfTextPool(deps.pool);
  const requestDeadlineMs = deps.requestDeadlineMs ?? REQUEST_DEADLINE_MS;

  async function readFile(file: NoticeFile, timeUp: AbortSignal): Promise<SourceReading> {
    const name = safeFileName(file.name);
    if (file.bytes.byteLength > MAX_FILE_BYTES) return { pairs: [], problem: 'too_large' };
    const head = new TextDecoder('latin1').decode(new Uint8Array(file.bytes, 0, Math.min(1024, file.bytes.byteLength)));
    if (!head.includes(PDF_HEADER)) return { pairs: [], problem: 'not_pdf' };
    return pairsIn(name, await pool.extract(withoutFontPrograms(file.bytes) ?? file.bytes, timeUp));
  }

  function pairsIn(name: string, text: PdfText): SourceReading {
    if (!text.ok) return { pairs: [], problem: text.code };
    const lines: TextLine[] = text.pages.flatMap((runs, i) => linesOfPage(i + 1, runs));
    if (lines.length === 0) return { pairs: [], problem: 'no_text' };
    const pairs = readPairs(lines).map((p) => ({ ...p, source: `${name} p.${p.page}` }));
    return pairs.length ? { pairs } : { pairs: [], problem: 'no_pair' };
  }

  function readText(text: string): SourceReading {
    const pairs = readPairs(linesFromText(text)).map((p) => ({ ...p, source: 'text' }));
    return pairs.length ? { pairs } : { pairs, problem: 'no_pair' };
  }

  return {
    async read(input: NoticeInput, who: Reader): Promise<NoticeReading> {
      const timeUp = AbortSignal.timeout(requestDeadlineMs);
      setMaxListeners(MAX_FILES, timeUp); // each file waiting in the pool listens to it
      const sources = await Promise.all(input.files.map(async (f) => ({ source: safeFileName(f.name), ...(await readFile(f, timeUp)) })));
      if (input.text?.trim()) sources.push({ source: 'text', ...readText(input.text) });
      const seen = new Set<string>();
      const items: NoticeItem[] = [];
      for (const { pairs } of sources) {
        for (const p of pairs) {
          const id = `${p.number}\u0000${p.authKey}`;
          if (seen.has(id)) continue;
          seen.add(id);
          items.push({
            source: p.source,
            number: p.number,
            authKey: p.authKey,
            kind: p.kind,
            revisionType: p.revisionType,
            projectName: p.projectName,
            numberLabel: p.numberLabel,
          });
        }
      }
      const problems = sources.flatMap((s) => (s.problem ? [{ source: s.source, code: s.problem }] : []));
      await recordAudit(
        deps.sql,
        sources.map((s) => ({
          action: 'notices.read',
          outcome: s.problem ?? 'success',
          actor: who.actor,
          orgId: who.orgId,
          client: who.client,
          requestId: who.requestId,
          detail: { source: withoutKeys(s.source, s.pairs), numbers: [...new Set(s.pairs.map((p) => p.number))] },
        })),
      );
      return { items, problems };
    },
    close: () => pool.close(),
  };
}
export type NoticeReader = ReturnType<typeof createNoticeReader>;

/** A file name as the audit log may keep it: one that spells a key it holds (`2070004426_QW12-ER34.pdf`) is not kept. */
function withoutKeys(name: string, pairs: ReadonlyArray<{ authKey: string }>): string {
  const spelled = canonicalize(name);
  return pairs.some((p) => spelled.includes(p.authKey)) ? '(file name withheld: it holds an auth key)' : name;
}

/** A client's file name as it may be shown and logged: no control or bidi characters, bounded. */
function safeFileName(name: string): string {
  const clean = name
    .replace(/[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/gu, '')
    .trim()
    .slice(0, 200);
  return clean || 'notice.pdf';
}
