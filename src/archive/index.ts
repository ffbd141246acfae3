export {
  archiveRevision,
  recordArchiveAccess,
  findArchived,
  getArchiveRecord,
  getArchivePdf,
  getArchiveJws,
  archiveNotesSchema,
  type ArchiveRequest,
} from './archive.js';
export {
  toArchiveJson,
  archiveRecordJsonSchema,
  archivePageJsonSchema,
  type ArchivePageJson,
  type ArchiveRecord,
  type ArchiveRecordJson,
  type ArchiveStatus,
} from './record.js';
export { searchArchive, searchArchivePage, type ArchivePage } from './search.js';
export { numberedPaging, pageNumberSchema } from './paging.js';
export {
  archiveSearchSchema,
  ARCHIVE_SORT_KEYS,
  MAX_PAGE_SIZE,
  type ArchiveSearchOptions,
  type ArchiveQuery,
  type ArchiveSortKey,
  type SortOrder,
} from './search-schema.js';
export { archiveCsv, ARCHIVE_CSV_HEADER } from './csv.js';
/** The audit log actions this capability records (auditlog/actions.ts joins every list into AuditAction). */
export const ARCHIVE_AUDIT_ACTIONS = ['archive', 'archive.view', 'archive.pdf', 'archive.jws'] as const;
