import { Hono, type Context } from 'hono';
import type { Sql } from '../../db/index.js';
import { loadCertificate, type CertificateRecord } from '../../lookup/index.js';
import type { Renderer } from '../../render/index.js';
import type { AppEnv } from '../env.js';
import { AppError } from '../errors.js';
import { renderPage } from '../page.js';
import { viewOf } from '../certificate-document.js';
import type { CertificatePdfService } from '../pdf-service.js';

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
    return pdfResponse(c, pdf, `${cert.payload.number}-${cert.payload.revision}.pdf`);
  });
  return app;
}

export function pdfResponse(c: Context<AppEnv>, pdf: Uint8Array, filename: string) {
  return c.body(pdf as Uint8Array<ArrayBuffer>, 200, {
    'content-type': 'application/pdf',
    'content-disposition': `inline; filename="${filename}"`,
    'cache-control': 'no-store',
  });
}
