import type postgres from 'postgres';
import type { Queryable } from '../db/index.js';
import { canonicalize, hasTrigrams, jstDayBounds, likeContaining } from '../domain/index.js';
import { recordColumns, toArchiveRecord, type ArchiveRecord, type ArchiveRecordRow, type ArchiveStatus } from './record.js';
import {
  archiveSearchSchema,
  decodeCursor,
  encodeCursor,
  type ArchiveCursor,
  type ArchiveQuery,
  type ArchiveSearchOptions,
  type ArchiveSortKey,
} from './search-schema.js';

export interface ArchivePage {
  items: ArchiveRecord[];
  /** Cursor of the next page; null on the last one. */
  next: string | null;
}

const SORT_COLUMNS: Record<ArchiveSortKey, string> = {
  archivedAt: 'a.archived_at',
  number: 'a.number',
  projectName: 'a.project_name',
  contractor: 'a.contractor',
};

/**
 * What `q` finds, any of them: the text as searched, and for what may be an insurer's 証券番号
 * typed with dashes, spaces or lower case (tk-0012 3456) its canonical form, which the record holds.
 */
function searchTerms(q: string): string[] {
  const canonical = canonicalize(q);
  return canonical !== q && /^[0-9A-Z]*[0-9][0-9A-Z]*$/.test(canonical) ? [q, canonical] : [q];
}

/**
 * One page of the organisation's archive, newest first unless asked otherwise. Pages are keyed
 * on (sort value, id), so ties never repeat or skip a row. Throws a ZodError naming the field
 * for a bad filter or cursor.
 */
export async function searchArchive(db: Queryable, orgId: string, search: ArchiveSearchOptions): Promise<ArchivePage> {
  const query = archiveSearchSchema.parse(search);
  const page = await fetchPage(db, orgId, query, query.cursor === undefined ? null : decodeCursor(query.cursor));
  return { items: page.items, next: page.after && encodeCursor(page.after) };
}

/**
 * A text search is run trigram-first — the GIN index finds every match and they are sorted —
 * instead of walking the archive in page order and testing each record until a page is full,
 * when it is expected to match at most TRIGRAM_FIRST_MAX_ROWS records and either no more than a
 * page (walking would then test every record) or at most TRIGRAM_FIRST_MAX_SHARE of them. Walking
 * tests about a page ÷ share records (at 100,000: 瀬戸内土木, 0.6% of them, tested 9,000 for 51
 * matches); the index reads every match and more, since digits make trigrams common to most
 * numbers (a part of a number, ２００００１, 1.9%: 22,117 candidates for 1,940 matches, 52 ms
 * against 7 ms walking). A full number, found once, stays trigram-first.
 */
const TRIGRAM_FIRST_MAX_ROWS = 5000;
const TRIGRAM_FIRST_MAX_SHARE = 0.01;

/**
 * Whether a text search is run trigram-first, expected to match `matches()` records in pages of
 * `pageSize`; the organisation's records searched are estimated only when the share decides.
 */
async function runsTrigramFirst(db: Queryable, orgId: string, query: ArchiveQuery, matches: () => Promise<number>, pageSize: number): Promise<boolean> {
  if (query.q === undefined || !hasTrigrams(searchTerms(query.q))) return false;
  const expected = await matches();
  if (expected > TRIGRAM_FIRST_MAX_ROWS) return false;
  if (expected <= pageSize) return true;
  return expected <= (await estimatedRows(db, db`select 1 from ${searched(db, query)} a where a.org_id = ${orgId}`)) * TRIGRAM_FIRST_MAX_SHARE;
}

/**
 * The records a search walks: for status=withdrawn only the withdrawn ones, which the database keeps
 * apart (sql/080_archive_withdrawn.sql) with an index in the archive's order, so a page of them costs
 * a page of reads however large the organisation's archive; every record otherwise.
 */
function searched(db: Queryable, query: ArchiveQuery) {
  return query.status === 'withdrawn' ? db`withdrawn_archive_records` : db`archive_records`;
}

/**
 * What a page is read from, as `a`: the matching records found first (trigram-first), or the records
 * searched, walked in page order with the conditions applied as they are read.
 */
function pagedRecords(db: Queryable, query: ArchiveQuery, matching: postgres.PendingQuery<postgres.Row[]>, trigramFirst: boolean) {
  // OFFSET 0 keeps the planner from merging the subquery and walking an index in page order
  return trigramFirst ? db`(select * from ${searched(db, query)} a where ${matching} offset 0) a` : db`${searched(db, query)} a`;
}

/** The rows after `after` (null: from the start), and where the next page would begin, if any. */
export async function fetchPage(
  db: Queryable,
  orgId: string,
  query: ArchiveQuery,
  after: ArchiveCursor | null,
): Promise<{ items: ArchiveRecord[]; after: ArchiveCursor | null }> {
  const column = db(SORT_COLUMNS[query.sort]);
  const direction = query.order === 'asc' ? db`asc` : db`desc`;
  const exactArchivedAt = db`to_char(a.archived_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  const sortValue = query.sort === 'archivedAt' ? exactArchivedAt : column;
  const matching = db`a.org_id = ${orgId} ${filters(db, query)}`;
  const trigramFirst = await runsTrigramFirst(
    db,
    orgId,
    query,
    () => estimatedRows(db, db`select 1 from ${searched(db, query)} a where ${matching}`),
    query.limit + 1,
  );
  const records = pagedRecords(db, query, matching, trigramFirst);
  const rows = await db<Array<ArchiveRecordRow & { sort_value: string }>>`
    select ${recordColumns(db)}, ${sortValue} as sort_value
    from ${records} join issuers i on i.id = a.issuer_id
    where ${trigramFirst ? db`true` : matching}
      ${after ? db`and (${column}, a.id) ${query.order === 'asc' ? db`>` : db`<`} (${keyValue(db, query.sort, after.value)}, ${after.id}::uuid)` : db``}
    order by ${column} ${direction}, a.id ${direction}
    limit ${query.limit + 1}`;
  const items = rows.slice(0, query.limit);
  const last = rows.length > query.limit ? items[items.length - 1] : undefined;
  return {
    items: items.map(toArchiveRecord),
    after: last ? { sort: query.sort, order: query.order, value: last.sort_value, id: last.id } : null,
  };
}

/** The search's conditions, each an `and …` after `where a.org_id = …`. */
function filters(db: Queryable, query: ArchiveQuery) {
  return db`
    ${
      query.q
        ? db`and (${searchTerms(query.q)
            .map((term) => db`a.search_text ilike ${likeContaining(term)}`)
            .reduce((a, b) => db`${a} or ${b}`)})`
        : db``
    }
    ${query.from ? db`and a.archived_at >= ${jstDayBounds(query.from).start}` : db``}
    ${query.to ? db`and a.archived_at < ${jstDayBounds(query.to).end}` : db``}
    ${query.kind ? db`and a.kind = ${query.kind}` : db``}
    ${query.status && query.status !== 'withdrawn' ? db`and ${statusFilter(db, query.status)}` : db``}
    ${query.changed ? db`and revision_status(a.issuer_id, a.number, a.kind, a.revision) <> a.status_when_archived` : db``}`;
}

/**
 * One numbered page of the archive for the clerk's list: its records, how many match in all,
 * which page it is, and whether the organisation has filed anything at all. Page numbers count
 * from 1; one past the last gives the last. Offsets cost a scan of the rows before them, which an
 * organisation's archive (thousands) keeps small; the API pages by cursor.
 */
export async function searchArchivePage(
  db: Queryable,
  orgId: string,
  search: ArchiveSearchOptions,
  pageNumber: number,
): Promise<{ items: ArchiveRecord[]; total: number; page: number; pages: number; pageSize: number; archiveEmpty: boolean }> {
  const query = archiveSearchSchema.parse({ ...search, cursor: undefined });
  const [{ total }] = await db<[{ total: number }]>`
    select count(*)::int as total from ${searched(db, query)} a where a.org_id = ${orgId} ${filters(db, query)}`;
  const pages = Math.max(1, Math.ceil(total / query.limit));
  const page = Math.min(Math.max(1, pageNumber), pages);
  const column = db(SORT_COLUMNS[query.sort]);
  const direction = query.order === 'asc' ? db`asc` : db`desc`;
  const matching = db`a.org_id = ${orgId} ${filters(db, query)}`;
  // the count of matches is exact here (see fetchPage)
  const trigramFirst = await runsTrigramFirst(db, orgId, query, async () => total, query.limit);
  const records = pagedRecords(db, query, matching, trigramFirst);
  const rows = await db<ArchiveRecordRow[]>`
    select ${recordColumns(db)}
    from ${records} join issuers i on i.id = a.issuer_id
    where ${trigramFirst ? db`true` : matching}
    order by ${column} ${direction}, a.id ${direction}
    limit ${query.limit} offset ${(page - 1) * query.limit}`;
  const archiveEmpty = total === 0 && !(await db`select 1 from archive_records where org_id = ${orgId} limit 1`).length;
  return { items: rows.map(toArchiveRecord), total, page, pages, pageSize: query.limit, archiveEmpty };
}

/** How many rows the planner expects `select 1 …` to return. */
async function estimatedRows(db: Queryable, select: postgres.PendingQuery<postgres.Row[]>): Promise<number> {
  const [explained] = await db<Array<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>>`explain (format json) ${select}`;
  return explained!['QUERY PLAN'][0]!.Plan['Plan Rows'];
}

/**
 * `status` today other than withdrawn (which is searched() itself): not withdrawn, as the database
 * keeps it, and superseded or not as a semi-join over the later revisions, which the planner drives
 * from the few later revisions instead of evaluating revision_status() row by row. The rule is
 * revision_status()'s; test/domain-rules.test.ts holds this filter, that function and the domain's
 * revisionStatus() to the same answers.
 */
function statusFilter(db: Queryable, status: Exclude<ArchiveStatus, 'withdrawn'>) {
  const withdrawn = db`exists (select 1 from archive_withdrawn w where w.archive_record_id = a.id)`;
  const superseded = db`exists (select 1 from certificate_revisions r where r.issuer_id = a.issuer_id and r.number = a.number and r.kind = a.kind
    and r.revision > a.revision and not exists (select 1 from withdrawals e where e.issuer_id = r.issuer_id and e.number = r.number
    and e.kind = r.kind and e.revision = r.revision and e.reason = 'issued_in_error'))`;
  return status === 'superseded' ? db`not ${withdrawn} and ${superseded}` : db`not ${withdrawn} and not ${superseded}`;
}

/** Sent as text and cast by the server: the client would round a timestamptz parameter to milliseconds. */
function keyValue(db: Queryable, sort: ArchiveSortKey, value: string) {
  return sort === 'archivedAt' ? db`${value}::text::timestamptz` : db`${value}::text`;
}
