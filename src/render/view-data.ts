/** What each view in `views/` expects; `render()` checks the pair at compile time. */
import type { ArchiveRecord, Kind as CertificateKind, CertificateStatus, CertificateView, VerificationReport } from '../domain/index.js';
import type { ErrorCode, MessageParams } from './i18n.js';
import type { LedgerViewData } from './ledger-view-data.js';

/** A problem with what was entered; with `field`, it is shown at that field and linked from the summary. */
export interface FormError {
  code: ErrorCode;
  field?: string;
  params?: MessageParams;
}

/** A list's numbered pages: where this page sits among all and the page links around it. */
export interface NumberedPaging {
  page: number;
  pages: number;
  total: number;
  /** Position of the first and last record shown, counted from 1 (0 and 0 when nothing matches). */
  first: number;
  last: number;
  previous: number | null;
  next: number | null;
  /** The first page, the last, and two either side of this one; null where pages are left out. */
  numbers: Array<{ page: number; current: boolean } | null>;
}

/** Opaque cursors from the query that lists the items; null or absent when there is no such page. */
export interface Paging {
  previous?: string | null;
  next?: string | null;
}

/** The statuses the error page has a title for (`errorPage.title.<status>`). */
export const ERROR_PAGE_STATUSES = [400, 401, 403, 404, 409, 422, 429, 500, 503] as const;
export type ErrorPageStatus = (typeof ERROR_PAGE_STATUSES)[number];

/** The error page status for any HTTP status: itself when the page knows it, else 400 or 500. */
export function errorPageStatus(status: number): ErrorPageStatus {
  const known = ERROR_PAGE_STATUSES.find((candidate) => candidate === status);
  return known ?? (status >= 400 && status < 500 ? 400 : 500);
}

export type { ArchiveRecord, CheckResult, VerificationReport } from '../domain/index.js';

export type ArchiveSortKey = 'archivedAt' | 'number' | 'projectName' | 'contractor';

/** The order of the archive list when nobody chose one: newest first (SPEC §4). */
export const DEFAULT_ARCHIVE_SORT = { sort: 'archivedAt', order: 'desc' } as const satisfies ArchiveSearch;

export interface ArchiveSearch {
  q?: string;
  from?: string;
  to?: string;
  kind?: CertificateKind | '';
  status?: CertificateStatus | '';
  changed?: '1' | '';
  /** Records a page, when the URL asked for other than the default. */
  limit?: number;
  /** Default: DEFAULT_ARCHIVE_SORT. */
  sort?: ArchiveSortKey;
  order?: 'asc' | 'desc';
}

export interface AuditFilter {
  from?: string;
  to?: string;
  actor?: string;
  action?: string;
  number?: string;
}

/** An audit entry as the page shows it: `action` and `outcome` are names in the reader's language, `details` readable lines. */
export interface AuditEntry {
  seq: number;
  at: Date | string;
  actor: string;
  action: string;
  outcome: string;
  number?: string | null;
  details: string[];
}

/** One alert as the alerts page shows it, its message already in the page's language. */
export interface AlertItem {
  id: string;
  type: string;
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  note: string | null;
  contract: string | null;
  number: string | null;
  kind: string | null;
  kindName: string | null;
  revision: number | null;
  message: string;
}

export interface AlertFilter {
  open?: boolean;
  type?: string;
  contract?: string;
}

export interface WebhookEndpointItem {
  url: string;
  createdAt: Date;
  removedAt: Date | null;
  delivered: number;
  pending: number;
  failed: number;
  lastError: string | null;
  lastErrorAt: Date | null;
}

export interface WebhookDeliveryItem {
  url: string;
  createdAt: Date;
  attempts: number;
  deliveredAt: Date | null;
  givenUpAt: Date | null;
  nextAttemptAt: Date;
  lastError: string | null;
}

export interface ViewData {
  /** `next`: the local path to go to after signing in. */
  login: { username?: string; next?: string; errors?: FormError[] };
  /** The auth key is never echoed back; `ledgerAttention` counts contracts needing attention. */
  lookup: { number?: string; errors?: FormError[]; ledgerAttention?: number };
  certificate: {
    certificate: CertificateView;
    archiveForm?: { reference?: string; memo?: string; errors?: FormError[] };
    /** Filing a revision not in force was asked: what was typed, carried into the confirmation. */
    confirmFiling?: { reference: string; memo: string };
    /** The revision was filed before: what was typed now, which was not saved. */
    refiled?: { reference: string; memo: string };
  };
  error: { status: ErrorPageStatus; code: ErrorCode; params?: MessageParams };
  /** `archiveEmpty`: the organisation has filed nothing yet, so the page says how to. */
  'archive-list': { search: ArchiveSearch; items: ArchiveRecord[]; paging?: NumberedPaging; archiveEmpty?: boolean; errors?: FormError[] };
  'archive-record': {
    record: ArchiveRecord;
    certificate: CertificateView;
    report?: VerificationReport | null;
    linkErrors?: FormError[];
  };
  audit: { filter: AuditFilter; entries: AuditEntry[]; paging: Paging; errors?: FormError[] };
  'audit-verify': { checkedAt: Date | string; checked: number; firstBroken: { seq: number; at: Date | string; reason: string } | null };
  notices: { rows: NoticeRow[]; problems: Array<{ source: string; code: string }>; found: number; errors?: FormError[] };
  'notices-results': { rows: BatchRow[]; found: string[] };
  alerts: { filter: AlertFilter; items: AlertItem[]; paging: Paging; errors?: FormError[]; resolved?: boolean };
  webhooks: { endpoints: WebhookEndpointItem[]; deliveries: WebhookDeliveryItem[] };
}

/** A pair read from a key notice (or an empty row to type one), as the clerk confirms it. */
export interface NoticeRow {
  row: number;
  source: string | null;
  number: string;
  authKey: string;
  kind: string | null;
  revisionType: string | null;
  projectName: string | null;
  doubts: Array<{ code: 'kind' | 'number' | 'key'; length?: number }>;
}

/** One pair of a batch lookup: found (with the certificate) or the error a single lookup gives. */
export interface BatchRow {
  number: string;
  id?: string;
  kind?: string;
  revision?: number;
  projectName?: string;
  status?: CertificateStatus;
  error?: FormError;
}

export interface ViewData extends LedgerViewData {}

export type ViewName = keyof ViewData;

export const VIEW_NAMES: readonly ViewName[] = [
  'login',
  'lookup',
  'certificate',
  'error',
  'archive-list',
  'archive-record',
  'audit',
  'audit-verify',
  'alerts',
  'webhooks',
  'contracts-list',
  'contract',
  'contract-form',
  'contracts-import',
  'notices',
  'notices-results',
];
