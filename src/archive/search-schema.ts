import { z } from 'zod';
import { canonicalize, isSearchableDay, KINDS, searchDay, typedText, type Kind } from '../domain/index.js';
import type { ArchiveStatus } from './record.js';

export const ARCHIVE_SORT_KEYS = ['archivedAt', 'number', 'projectName', 'contractor'] as const;
export type ArchiveSortKey = (typeof ARCHIVE_SORT_KEYS)[number];
export type SortOrder = 'asc' | 'desc';
const STATUSES = ['current', 'superseded', 'withdrawn'] as const satisfies readonly ArchiveStatus[];
export const MAX_PAGE_SIZE = 200;

/** What `searchArchive` accepts; blank strings (an empty form field) mean "any". */
export interface ArchiveSearchOptions {
  q?: string;
  /** First JST day of the archive date, `YYYY-MM-DD`, inclusive. */
  from?: string;
  /** Last JST day of the archive date, `YYYY-MM-DD`, inclusive. */
  to?: string;
  kind?: Kind | '';
  status?: ArchiveStatus | '';
  /** `1`: only records whose status today differs from their status when filed. */
  changed?: '1' | '';
  /** Default: newest first (`archivedAt`, `desc`). */
  sort?: ArchiveSortKey;
  order?: SortOrder;
  /** `next` of the page before, from a search with the same sort and order. */
  cursor?: string;
  /** 1 to 200, default 50. */
  limit?: number;
}

/**
 * Where a page ended: the last row's sort value and id. For `archivedAt` the value is the
 * timestamp to the microsecond, which a JS Date cannot hold; a rounded one would skip or
 * repeat rows that were filed within the same millisecond.
 */
export interface ArchiveCursor {
  sort: ArchiveSortKey;
  order: SortOrder;
  value: string;
  id: string;
}

const MICROSECOND_UTC = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}Z$/;

const cursorSchema = z
  .strictObject({
    s: z.enum(ARCHIVE_SORT_KEYS),
    o: z.enum(['asc', 'desc']),
    v: z
      .string()
      .max(1000)
      .refine((v) => !v.includes('\u0000')),
    id: z.uuid(),
  })
  .refine((c) => c.s !== 'archivedAt' || (MICROSECOND_UTC.test(c.v) && isSearchableDay(c.v.slice(0, 10))));

/** Opaque to clients: base64url of a small JSON object. */
export function encodeCursor(cursor: ArchiveCursor): string {
  const { sort: s, order: o, value: v, id } = cursor;
  return Buffer.from(JSON.stringify({ s, o, v, id })).toString('base64url');
}

/** The cursor, or null when the text is not one `encodeCursor` made. */
export function decodeCursor(text: string): ArchiveCursor | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = cursorSchema.safeParse(json);
  return parsed.success ? { sort: parsed.data.s, order: parsed.data.o, value: parsed.data.v, id: parsed.data.id } : null;
}

/** NFKC, so 全角 finds 半角; a number typed with dashes or spaces (2070-004426) is searched as its digits. */
function searchTerm(q: string): string {
  const folded = q.normalize('NFKC').trim();
  const digits = canonicalize(folded);
  return /^[0-9]+$/.test(digits) ? digits : folded;
}

const blankIsAbsent = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankIsAbsent, schema.optional());

/**
 * Parses a search from a query string or a caller, with errors at the field they concern
 * (`kind`, `from`, `cursor`, …). `q` is NFKC-folded here, so full-width input finds half-width text.
 */
export const archiveSearchSchema = z
  .object({
    q: optional(typedText().max(200, 'must be at most 200 characters').transform(searchTerm)),
    from: optional(searchDay),
    to: optional(searchDay),
    kind: optional(z.enum(KINDS)),
    status: optional(z.enum(STATUSES)),
    changed: optional(z.literal('1').describe('1: only records whose status changed after they were filed')),
    sort: z.preprocess(blankIsAbsent, z.enum(ARCHIVE_SORT_KEYS).default('archivedAt')),
    order: z.preprocess(blankIsAbsent, z.enum(['asc', 'desc']).default('desc')),
    cursor: optional(z.string()),
    limit: z.preprocess(blankIsAbsent, z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50)),
  })
  .superRefine((search, ctx) => {
    if (search.from && search.to && search.from > search.to) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before "from"' });
    }
    if (search.cursor === undefined) return;
    const cursor = decodeCursor(search.cursor);
    if (!cursor) ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'is not a cursor this search returned' });
    else if (cursor.sort !== search.sort || cursor.order !== search.order) {
      ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'belongs to a search in another order' });
    }
  });

export type ArchiveQuery = z.output<typeof archiveSearchSchema>;
