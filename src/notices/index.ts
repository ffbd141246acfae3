export {
  createNoticeReader,
  NOTICE_PROBLEM_CODES,
  REQUEST_DEADLINE_MS,
  MAX_FILES,
  MAX_FILE_BYTES,
  MAX_TEXT_BYTES,
  type NoticeReader,
  type NoticeReading,
  type NoticeItem,
  type NoticeProblem,
  type NoticeProblemCode,
  type NoticeFile,
  type NoticeInput,
} from './read.js';
export { readPairs, linesFromText, type NoticePair, type TextLine, type TextCell } from './parse.js';
export { linesOfPage, type PositionedText } from './layout.js';
export { PdfTextPool, type PdfText, type PdfPoolOptions } from './pdf-pool.js';
export { doubtsAbout, type NoticeDoubt } from './doubts.js';
export { withoutFontPrograms } from './font-programs.js';
/** The audit log actions this capability records (auditlog/actions.ts joins every list into AuditAction). */
export const NOTICES_AUDIT_ACTIONS = ['notices.read'] as const;
