import { Hono } from 'hono';
import type { Sql } from '../../db/index.js';
import type { Lookup } from '../../lookup/index.js';
import type { AppEnv } from '../env.js';
import { readJson } from '../body.js';
import { certificateJson, certificateJsonSchema } from '../certificate-json.js';
import { lookupFailure, lookupInput, runLookup } from '../lookup-outcome.js';
import { requireApiToken } from '../middleware/auth.js';
import type { ApiOperation } from '../openapi.js';
import type { CertificatePdfService } from '../../certificate-pdf/index.js';
import { requester } from '../requester.js';
import { ownCertificate, pdfResponse } from '../responses.js';

/** SPEC §4: the JSON API for obligee systems; every route under /api needs the organisation's bearer token. */
export function apiSurface(sql: Sql, ...routers: Hono<AppEnv>[]): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('/api/*', requireApiToken(sql));
  for (const r of routers) app.route('/', r);
  return app;
}

const certificate = { name: 'Certificate', schema: certificateJsonSchema };

/** The routes of `apiRoutes`, for the OpenAPI document. */
export const certificateOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/api/v1/lookup',
    summary: 'Unlock a certificate revision with its number and auth key',
    description: 'A wrong key and an unknown number answer the same 404. Five failures for one number lock it for this organisation (429).',
    body: { json: { name: 'LookupRequest', schema: lookupInput }, required: true },
    answers: [{ status: 200, description: 'The unlocked revision', json: certificate }],
    errors: [400, 401, 403, 404, 413, 422, 429, 503],
  },
  {
    method: 'get',
    path: '/api/v1/certificates/:id',
    summary: 'A revision this organisation has unlocked',
    answers: [{ status: 200, description: 'The revision, as a successful lookup gives it', json: certificate }],
    errors: [401, 404],
  },
  {
    method: 'get',
    path: '/api/v1/certificates/:id/pdf',
    summary: 'The revision as an A4 PDF carrying the signed SET, the issuer key and a verification report',
    answers: [{ status: 200, description: 'The PDF', contentType: 'application/pdf' }],
    errors: [401, 404, 503],
  },
];

/** Lookup and certificates in the JSON API. */
export function apiRoutes(deps: { sql: Sql; lookup: Lookup; pdfs: CertificatePdfService }) {
  const app = new Hono<AppEnv>();

  app.post('/api/v1/lookup', async (c) => {
    const input = lookupInput.parse((await readJson(c)) ?? {});
    const who = requester(c);
    const result = await runLookup(deps.lookup, input, who);
    if (result.status !== 'ok') throw lookupFailure(result).error;
    return c.json(certificateJson(await ownCertificate(deps.sql, who.orgId, result.revisionId)));
  });

  app.get('/api/v1/certificates/:id', async (c) => {
    const who = requester(c);
    const cert = await ownCertificate(deps.sql, who.orgId, c.req.param('id'));
    await deps.pdfs.recordView(who.principal, cert, who.client, who.requestId);
    return c.json(certificateJson(cert));
  });

  app.get('/api/v1/certificates/:id/pdf', async (c) => {
    const who = requester(c);
    const cert = await ownCertificate(deps.sql, who.orgId, c.req.param('id'));
    const pdf = await deps.pdfs.produce(cert, c.get('lang'), who);
    return pdfResponse(c, pdf, cert.payload);
  });
  return app;
}
