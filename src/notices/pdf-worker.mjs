// The only place a key-notice PDF is opened: a worker thread with a memory limit, killed by its
// parent at a deadline. Plain JavaScript so that it starts without a TypeScript loader.
// Input: { data: ArrayBuffer, maxPages }. Output: { ok: true, pages: PositionedText[][] } | { ok: false, code }.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { getDocument, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs';

const PDFJS_DIR = `${dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'))}/`;

async function extract(data, maxPages) {
  const task = getDocument({
    data: new Uint8Array(data),
    isEvalSupported: false, // no code generated from the file (fonts' PostScript functions)
    disableFontFace: true,
    useSystemFonts: false,
    enableXfa: false,
    disableAutoFetch: true,
    disableStream: true,
    disableRange: true,
    // CJK CMaps and the standard fonts from the package on disk: nothing is fetched from outside
    cMapUrl: `${PDFJS_DIR}cmaps/`,
    cMapPacked: true,
    standardFontDataUrl: `${PDFJS_DIR}standard_fonts/`,
    verbosity: VerbosityLevel.ERRORS,
  });
  try {
    const doc = await task.promise;
    if (doc.numPages > maxPages) return { ok: false, code: 'too_large' };
    const pages = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent({ includeMarkedContent: false });
      pages.push(
        content.items
          .filter((i) => typeof i.str === 'string' && i.str.trim() !== '')
          .map((i) => ({ str: i.str, x: i.transform[4], y: i.transform[5], width: i.width, height: i.height || Math.hypot(i.transform[2], i.transform[3]) })),
      );
      page.cleanup();
    }
    return { ok: true, pages };
  } catch (e) {
    return { ok: false, code: e?.name === 'PasswordException' ? 'encrypted' : 'unreadable' };
  } finally {
    await task.destroy().catch(() => {});
  }
}

parentPort.on('message', (job) => {
  extract(job.data, job.maxPages).then(
    (result) => parentPort.postMessage(result),
    () => parentPort.postMessage({ ok: false, code: 'unreadable' }),
  );
});
parentPort.postMessage({ ready: true });
