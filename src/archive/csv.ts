import type { Queryable } from '../db/index.js';
import { BOM, csvLine, formatJst, KIND_NAMES_JA } from '../domain/index.js';
import { translate } from '../render/index.js';
import type { ArchiveRecord, ArchiveStatus } from './record.js';
import { archiveSearchSchema, MAX_PAGE_SIZE, type ArchiveCursor, type ArchiveSearchOptions } from './search-schema.js';
import { fetchPage } from './search.js';

/** The columns in the screens' words (保証契約者, 保証債権者, 現在の状態); the kind as SPEC §1 names it. */
export const ARCHIVE_CSV_HEADER = [
  'ID',
  '保証契約番号・証券番号',
  '種別',
  '変更回',
  '区分',
  '工事名',
  '保証契約者',
  '保証債権者',
  '発行者',
  '保証金額',
  '保証期間（自）',
  '保証期間（至）',
  '現在の状態',
  '保管時の状態',
  '保管後の状態変化',
  '保管日時（JST）',
  '保管者',
  '案件番号',
  'メモ',
  '保管したPDFのSHA-256',
  '署名データのSHA-256',
] as const;

const status = (s: ArchiveStatus) => translate('ja', `status.${s}`);

export function archiveCsvFields(record: ArchiveRecord): string[] {
  const changed = record.status !== record.statusWhenArchived;
  return [
    record.id,
    record.number,
    KIND_NAMES_JA[record.kind],
    String(record.revision),
    translate('ja', `revisionType.${record.revisionType}`),
    record.projectName,
    record.contractor,
    record.obligee,
    record.issuer,
    String(record.guarantee.amount),
    record.guarantee.period.from,
    record.guarantee.period.to,
    status(record.status),
    status(record.statusWhenArchived),
    changed ? translate('ja', 'archive.changedFrom', { status: status(record.statusWhenArchived) }) : translate('ja', 'archive.unchanged'),
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
