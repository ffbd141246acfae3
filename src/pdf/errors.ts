export type PdfErrorCode = 'PDF_UNAVAILABLE' | 'PDF_TIMEOUT' | 'PDF_UNREADABLE' | 'PDF_CLOSED' | 'PDF_FAILED';

/** Every error the PDF capability raises on purpose; callers switch on `code`. */
export class PdfError extends Error {
  override name = 'PdfError';
  constructor(
    readonly code: PdfErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No Chromium to drive: the service still runs, only PDF output is off. */
export class PdfUnavailableError extends PdfError {
  override name = 'PdfUnavailableError';
  constructor(executablePath: string | null, cause?: unknown) {
    const reason =
      cause === undefined
        ? `no Chromium found${executablePath ? ` at ${executablePath}` : ''}`
        : `Chromium at ${executablePath} failed to start: ${messageOf(cause)}`;
    super(
      'PDF_UNAVAILABLE',
      `PDF output is unavailable (${reason}); install Debian's chromium ` + '(apt-get install chromium) or set CHROMIUM_PATH to a Chromium executable',
      { cause },
    );
  }
}

// puppeteer 24 does not export these classes in its types; their names are stable.
const BROWSER_GONE_NAMES = new Set(['TargetCloseError', 'ProtocolError', 'ConnectionClosedError']);

export function isBrowserGone(error: unknown): boolean {
  return error instanceof Error && BROWSER_GONE_NAMES.has(error.name);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
