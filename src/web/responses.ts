import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { Sql } from '../db/index.js';
import type { Kind } from '../domain/index.js';
import { LinkRefused } from '../ledger/index.js';
import { loadCertificate, type CertificateRecord } from '../lookup/index.js';
import { translate } from '../render/index.js';
import type { AppEnv } from './env.js';
import { AppError } from './errors.js';

// What several route files answer alike; routes import it from here, never from each other.

/** The unlocked revision of the asking organisation, or 404 whatever the reason (SPEC §3). */
export async function ownCertificate(sql: Sql, orgId: string, id: string): Promise<CertificateRecord> {
  const c = await loadCertificate(sql, orgId, id);
  if (!c) throw new AppError('not_found', 404);
  return c;
}

/** RFC 8187 value-chars: what encodeURIComponent leaves but `'`, `(`, `)` and `*`, which it must not. */
function extValue(text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * A PDF as a download named `number-revision-kind.pdf`: `filename` in ASCII for old clients,
 * `filename*` (RFC 6266, RFC 8187) with the kind in the reader's language.
 */
export function pdfResponse(c: Context<AppEnv>, pdf: Uint8Array, doc: { number: string; revision: number; kind: Kind }, suffix = '') {
  const ascii = `${doc.number}-${doc.revision}-${doc.kind}${suffix}.pdf`;
  const named = `${doc.number}-${doc.revision}-${translate(c.get('lang'), `kind.${doc.kind}`)}${suffix}.pdf`;
  return c.body(pdf as Uint8Array<ArrayBuffer>, 200, {
    'content-type': 'application/pdf',
    'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${extValue(named)}`,
    'cache-control': 'no-store',
  });
}

/**
 * A CSV download, read from the database as the client takes it. Its filter was checked before
 * this is called; a failure part-way errors the body, which cuts the connection before the last
 * chunk, so the client sees an incomplete download, never a short file that looks complete.
 */
export function csvResponse(c: Context<AppEnv>, filename: string, rows: AsyncIterable<string>) {
  const lines = rows[Symbol.asyncIterator]();
  const utf8 = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await lines.next();
        if (done) controller.close();
        else controller.enqueue(utf8.encode(value));
      } catch (e) {
        c.get('log').error('CSV export failed part-way: the download is cut off', { err: e, file: filename });
        // erroring the stream cuts the connection too, but @hono/node-server then prints the error outside the JSON log
        const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
        if (outgoing) outgoing.destroy();
        else controller.error(e);
      }
    },
    async cancel() {
      await lines.return?.();
    },
  });
  return c.body(body, 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${filename}"` });
}

/** LinkRefused is the client's mistake: an unknown contract, or a kind no contract requires. */
export function linkError(e: unknown): never {
  if (e instanceof LinkRefused) throw new AppError(e.code, 422, {}, {}, e.message);
  throw e;
}
