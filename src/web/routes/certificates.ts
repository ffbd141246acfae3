import { Hono } from 'hono';
import type { Sql } from '../../db/index.js';
import { viewOf } from '../../lookup/index.js';
import type { Renderer } from '../../render/index.js';
import type { AppEnv } from '../env.js';
import { renderPage } from '../page.js';
import type { CertificatePdfService } from '../../certificate-pdf/index.js';
import { requester } from '../requester.js';
import { ownCertificate, pdfResponse } from '../responses.js';

export function certificateRoutes(deps: { sql: Sql; renderer: Renderer; pdfs: CertificatePdfService }) {
  const app = new Hono<AppEnv>();
  app.get('/certificates/:id', async (c) => {
    const who = requester(c);
    const cert = await ownCertificate(deps.sql, who.orgId, c.req.param('id'));
    await deps.pdfs.recordView(who.principal, cert, who.client, who.requestId);
    return renderPage(c, deps.renderer, 'certificate', { certificate: viewOf(cert) });
  });
  app.get('/certificates/:id/pdf', async (c) => {
    const who = requester(c);
    const cert = await ownCertificate(deps.sql, who.orgId, c.req.param('id'));
    const pdf = await deps.pdfs.produce(cert, c.get('lang'), who);
    return pdfResponse(c, pdf, cert.payload);
  });
  return app;
}
