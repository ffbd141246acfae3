import { z } from 'zod';
import type { Queryable } from '../db/index.js';
import type { Lang } from '../render/index.js';
import { toAuditEntry, type AuditEntry } from './chain.js';
import { readableAuditEntry } from './readable.js';
import { BOM, csvLine, formatJst, jstDayBounds, canonicalize, searchDay, typedText } from '../domain/index.js';

export const MAX_AUDIT_PAGE = 200;
const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const opt = <T extends z.ZodType>(s: T) => z.preprocess(blank, s.optional());

/** Filters of `/audit` and `/audit.csv`, from a query string; errors name their field. */
export const auditFilterSchema = z
  .object({
    from: opt(searchDay),
    to: opt(searchDay),
    actor: opt(typedText().trim().max(100)),
    action: opt(typedText().trim().max(100)),
    number: opt(
      typedText()
        .max(40)
        .transform((n) => canonicalize(n)),
    ),
    cursor: opt(z.string().regex(/^[0-9]{1,18}$/, 'is not a cursor this page returned')),
    limit: z.preprocess(blank, z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE).default(100)),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: 'must not be before "from"', path: ['to'] });
export type AuditFilter = z.infer<typeof auditFilterSchema>;

/** An auditor sees their organisation's entries; an admin sees every entry. */
export type AuditScope = { orgId: string } | { all: true };

export type AuditRow = AuditEntry;

/** Newest first, keyset-paged on seq. */
export async function searchAudit(db: Queryable, scope: AuditScope, filter: AuditFilter): Promise<{ entries: AuditRow[]; next: string | null }> {
  const rows = await db<Array<Record<string, unknown>>>`
    select seq, at, action, outcome, actor, org_id, client, request_id, number, subject, detail from audit_log
    where ${'orgId' in scope ? db`org_id = ${scope.orgId}` : db`true`}
      and ${filter.from ? db`at >= ${jstDayBounds(filter.from).start}` : db`true`}
      and ${filter.to ? db`at < ${jstDayBounds(filter.to).end}` : db`true`}
      and ${filter.actor ? db`actor = ${filter.actor}` : db`true`}
      and ${filter.action ? db`action = ${filter.action}` : db`true`}
      and ${filter.number ? db`number = ${filter.number}` : db`true`}
      and ${filter.cursor ? db`seq < ${filter.cursor}` : db`true`}
    order by seq desc limit ${filter.limit + 1}`;
  const entries = rows.slice(0, filter.limit).map(toAuditEntry);
  return { entries, next: rows.length > filter.limit ? String(entries[entries.length - 1]!.seq) : null };
}

const AUDIT_CSV_HEADER: Record<Lang, readonly string[]> = {
  ja: [
    '連番',
    '日時(JST)',
    '操作',
    '結果',
    '操作者',
    '組織',
    '接続元',
    'リクエストID',
    '保証契約番号・証券番号',
    '対象',
    '詳細',
    '操作（コード）',
    '結果（コード）',
    '詳細（JSON）',
  ],
  en: [
    'Seq',
    'Time (JST)',
    'Action',
    'Outcome',
    'Actor',
    'Organisation',
    'Client',
    'Request ID',
    'Number',
    'Subject',
    'Details',
    'Action (code)',
    'Outcome (code)',
    'Details (JSON)',
  ],
};

/**
 * Every matching entry as CSV for Excel (BOM, CRLF, formula-inert), read a page at a time, with the
 * action, outcome and details in the reader's language; the stored codes and JSON follow, for tools.
 */
export async function* auditCsv(db: Queryable, scope: AuditScope, filter: AuditFilter, lang: Lang): AsyncIterable<string> {
  yield BOM + csvLine(AUDIT_CSV_HEADER[lang]);
  let cursor: string | undefined;
  do {
    const page = await searchAudit(db, scope, { ...filter, cursor, limit: MAX_AUDIT_PAGE });
    if (page.entries.length) {
      yield page.entries
        .map((e) => {
          const readable = readableAuditEntry(e, lang);
          return csvLine([
            String(e.seq),
            formatJst(e.at, 'en'),
            readable.action,
            readable.outcome,
            e.actor,
            e.orgId ?? '',
            e.client ?? '',
            e.requestId ?? '',
            e.number ?? '',
            e.subject ?? '',
            readable.details.join(' / '),
            e.action,
            e.outcome,
            JSON.stringify(e.detail),
          ]);
        })
        .join('');
    }
    cursor = page.next ?? undefined;
  } while (cursor);
}
