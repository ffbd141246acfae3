// The only place a key-notice PDF is opened: a worker thread with a memory limit, killed by its
// parent at a deadline. Plain JavaScript so that it starts without a TypeScript loader.
// Input: { data: ArrayBuffer, maxPages, maxBufferBytes }. Output: { ok: true, pages: PositionedText[][] } | { ok: false, code }.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { constants, inflateSync } from 'node:zlib';
import { getDocument, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs';

const PDFJS_DIR = `${dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'))}/`;

/**
 * Whether the file's deflated streams inflate to more than `limit` bytes, found before pdf.js
 * holds the result in one buffer. Each stream is inflated at most up to what is left of the limit.
 */
function inflatesBeyond(bytes, limit) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let total = 0;
  let at = buf.indexOf('stream');
  while (at !== -1) {
    let start = at + 'stream'.length;
    if (buf[start] === 0x0d) start++;
    if (buf[start] === 0x0a) {
      start++;
      const end = buf.indexOf('endstream', start);
      try {
        total += inflateSync(buf.subarray(start, end === -1 ? undefined : end), {
          maxOutputLength: limit - total + 1,
          finishFlush: constants.Z_SYNC_FLUSH,
        }).length;
      } catch (e) {
        if (e?.code === 'ERR_BUFFER_TOO_LARGE') return true;
        // not deflated (an image, plain text): pdf.js decides
      }
      if (total > limit) return true;
      if (end === -1) break;
      start = end + 'endstream'.length;
    }
    at = buf.indexOf('stream', start);
  }
  return false;
}

async function extract(data, maxPages) {
  if (inflatesBeyond(new Uint8Array(data), maxBufferBytes)) return { ok: false, code: 'too_large' };
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

// resourceLimits bound the JavaScript heap only; decoded streams live in ArrayBuffers outside it,
// so a stream that inflates to gigabytes is stopped here (pdf.js yields every few ms while parsing)
let maxBufferBytes = Infinity;
setInterval(() => {
  if (process.memoryUsage().arrayBuffers > maxBufferBytes) {
    parentPort.postMessage({ ok: false, code: 'too_large' });
    process.exit(1);
  }
}, 25).unref();

parentPort.on('message', (job) => {
  maxBufferBytes = job.maxBufferBytes;
  extract(job.data, job.maxPages).then(
    (result) => parentPort.postMessage(result),
    () => parentPort.postMessage({ ok: false, code: 'unreadable' }),
  );
});
parentPort.postMessage({ ready: true });
