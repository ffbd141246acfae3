import { Hono, type Context } from 'hono';
import type { Sql } from '../../db/index.js';
import type { Kind } from '../../domain/index.js';
import { loadCertificate, viewOf, type CertificateRecord } from '../../lookup/index.js';
import { translate, type Renderer } from '../../render/index.js';
import type { AppEnv } from '../env.js';
import { AppError } from '../errors.js';
import { renderPage } from '../page.js';
import type { CertificatePdfService } from '../../certificate-pdf/index.js';

/** The unlocked revision of the asking organisation, or 404 whatever the reason (SPEC §3). */
export async function ownCertificate(sql: Sql, orgId: string, id: string): Promise<CertificateRecord> {
  const c = await loadCertificate(sql, orgId, id);
  if (!c) throw new AppError('not_found', 404);
  return c;
}

export function certificateRoutes(deps: { sql: Sql; renderer: Renderer; pdfs: CertificatePdfService }) {
  const app = new Hono<AppEnv>();
  app.get('/certificates/:id', async (c) => {
    const p = c.get('principal')!;
    const cert = await ownCertificate(deps.sql, p.orgId, c.req.param('id'));
    await deps.pdfs.recordView(p, cert, c.get('clientIp'), c.get('requestId'));
    return renderPage(c, deps.renderer, 'certificate', { certificate: viewOf(cert) });
  });
  app.get('/certificates/:id/pdf', async (c) => {
    const p = c.get('principal')!;
    const cert = await ownCertificate(deps.sql, p.orgId, c.req.param('id'));
    const pdf = await deps.pdfs.produce(cert, c.get('lang'), { principal: p, client: c.get('clientIp'), requestId: c.get('requestId') });
    return pdfResponse(c, pdf, cert.payload);
  });
  return app;
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
