export { findChromium } from './chromium.js';
export { createPdfRenderer } from './renderer.js';
export { readPdfAttachments } from './document.js';
export { PdfError, PdfUnavailableError, type PdfErrorCode } from './errors.js';
export type {
  PdfAttachment,
  PdfFooter,
  PdfLog,
  PdfMetadata,
  PdfRenderInput,
  PdfRenderer,
  PdfRendererOptions,
  PdfRendererStats,
} from './types.js';
