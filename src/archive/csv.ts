import type { Queryable } from '../db/index.js';
import { BOM, csvLine, formatJst, KIND_NAMES_JA, type RevisionType } from '../domain/index.js';
import type { ArchiveRecord, ArchiveStatus } from './record.js';
import { archiveSearchSchema, MAX_PAGE_SIZE, type ArchiveCursor, type ArchiveSearchOptions } from './search-schema.js';
import { fetchPage } from './search.js';

export const ARCHIVE_CSV_HEADER = [
  'ID', '保証契約番号・証券番号', '種別', '変更回', '区分', '工事名', '受注者', '発注者', '保証会社', '状態',
  '保管日時(JST)', '保管者', '案件番号', 'メモ', 'PDF SHA-256', 'SET SHA-256',
] as const;

const REVISION_TYPE_LABELS: Record<RevisionType, string> = { new: '新規', change: '変更', correction: '訂正' };
const STATUS_LABELS: Record<ArchiveStatus, string> = { current: '有効', superseded: '変更済', withdrawn: '取消・解約' };

export function archiveCsvFields(record: ArchiveRecord): string[] {
  return [
    record.id,
    record.number,
    KIND_NAMES_JA[record.kind],
    String(record.revision),
    REVISION_TYPE_LABELS[record.revisionType],
    record.projectName,
    record.contractor,
    record.obligee,
    record.issuer,
    STATUS_LABELS[record.status],
    formatJst(record.archivedAt, 'en'),
    record.archivedBy,
    record.reference ?? '',
    record.memo ?? '',
    record.pdfSha256,
    record.jwsSha256,
  ];
}

/**
 * Every record the search matches (its cursor and limit are ignored), as CSV for Excel, read
 * from the database a page at a time as the consumer pulls. The search is checked now, so a bad
 * filter throws (a ZodError naming the field) before any byte of the response is sent.
 */
export function archiveCsv(db: Queryable, orgId: string, search: ArchiveSearchOptions): AsyncIterable<string> {
  const query = archiveSearchSchema.parse({ ...search, cursor: undefined, limit: MAX_PAGE_SIZE });
  return (async function* () {
    yield BOM + csvLine(ARCHIVE_CSV_HEADER);
    let after: ArchiveCursor | null = null;
    do {
      const page = await fetchPage(db, orgId, query, after);
      if (page.items.length) yield page.items.map((record) => csvLine(archiveCsvFields(record))).join('');
      after = page.after;
    } while (after);
  })();
}
