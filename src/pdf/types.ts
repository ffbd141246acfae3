export interface PdfFooter {
  issuer: string;
  /** What the form calls its number: 証券番号 on an insurer's form; 保証契約番号 when absent. */
  numberLabel?: string;
  number: string;
  kind: string;
  revision: string;
  jwsSha256: string;
  /** Already formatted for people, in JST. */
  producedAt: string;
  /** The page counter in the reader's language, with `{page}` and `{total}`: 「ページ {page} / {total}」 when absent. */
  pageLabel?: string;
  /** What precedes `producedAt`: 「作成」 when absent. */
  producedAtLabel?: string;
}

/** Structured log lines, e.g. `{ level: 'warn', event: 'pdf.browser.lost', pid }`; level is 'info' or 'warn'. */
export type PdfLog = (entry: Record<string, unknown>) => void;

export interface PdfMetadata {
  title: string;
  subject: string;
  author: string;
  keywords?: string[];
}

export interface PdfAttachment {
  name: string;
  /** A string is stored as its UTF-8 bytes. */
  data: Uint8Array | string;
  mimeType: string;
  description?: string;
}

/** An attachment checked and sorted for writing (prepareAttachments). */
export interface PreparedAttachment {
  name: string;
  bytes: Uint8Array;
  mimeType: string;
  description?: string;
}

export interface PdfRenderInput {
  html: string;
  footer: PdfFooter;
  metadata: PdfMetadata;
  attachments: PdfAttachment[];
}

export interface PdfRendererOptions {
  /** From findChromium(); null (or a missing file) makes render() reject with PdfUnavailableError. */
  executablePath: string | null;
  /** Pages rendering at once; more callers wait in FIFO order. Default 2. */
  pages?: number;
  /** Deadline for one render(), queueing and a retry included. Default 20000. */
  timeoutMs?: number;
  log?: PdfLog;
}

export interface PdfRendererStats {
  renders: number;
  failures: number;
  relaunches: number;
  inUse: number;
  queued: number;
}

export interface PdfRenderer {
  render(input: PdfRenderInput): Promise<Uint8Array>;
  /** Launches the browser and opens the pages ahead of the first request. */
  warm(): Promise<void>;
  close(): Promise<void>;
  stats(): PdfRendererStats;
  /** The running browser's process id, if any (logs, and tests that kill it). */
  browserPid(): number | null;
}
