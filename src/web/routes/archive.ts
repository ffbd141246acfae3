import { Hono, type Context } from 'hono';
import { ZodError } from 'zod';
import {
  archiveCsv,
  archiveNotesSchema,
  archivePageJsonSchema,
  archiveRecordJsonSchema,
  archiveSearchSchema,
  getArchiveJws,
  getArchivePdf,
  getArchiveRecord,
  numberedPaging,
  pageNumberSchema,
  recordArchiveAccess,
  searchArchive,
  searchArchivePage,
  toArchiveJson,
  type ArchivePageJson,
  type ArchiveRecord,
} from '../../archive/index.js';
import { recheckArchiveRecord } from '../../audit/index.js';
import { verificationReportSchema } from '../../domain/index.js';
import { referenceSchema } from '../../ledger/index.js';
import { loadCertificate, viewOf } from '../../lookup/index.js';
import type { AppEnv } from '../env.js';
import { readJson } from '../body.js';
import { AppError } from '../errors.js';
import type { ApiOperation } from '../openapi.js';
import { formErrors, renderPage } from '../page.js';
import { fileRevision, type ArchiveDeps } from '../filing.js';
import { requester } from '../requester.js';
import { csvResponse, ownCertificate, pdfResponse } from '../responses.js';

async function ownRecord(deps: ArchiveDeps, orgId: string, id: string): Promise<ArchiveRecord> {
  const record = await getArchiveRecord(deps.sql, orgId, id);
  if (!record) throw new AppError('not_found', 404);
  return record;
}

function logAccess(deps: ArchiveDeps, c: Context<AppEnv>, action: 'archive.view' | 'archive.pdf' | 'archive.jws', record: { id: string; number: string }) {
  const { orgId, actor, client, requestId } = requester(c);
  return recordArchiveAccess(deps.sql, action, record, { actor, orgId, client, requestId });
}

async function recheck(deps: ArchiveDeps, c: Context<AppEnv>) {
  const { orgId, actor, client, requestId } = requester(c);
  const report = await recheckArchiveRecord(deps.sql, deps.keys, deps.audience, { orgId, archiveId: c.req.param('id')!, actor, client, requestId });
  if (!report) throw new AppError('not_found', 404);
  return report;
}

/** Browser pages of the archive (SPEC §3). */
export function archivePages(deps: ArchiveDeps) {
  const app = new Hono<AppEnv>();
  app.post('/certificates/:id/archive', async (c) => {
    const form = await c.req.parseBody();
    const typed = { reference: String(form.reference ?? ''), memo: String(form.memo ?? '') };
    try {
      const cert = await ownCertificate(deps.sql, c.get('principal')!.orgId, c.req.param('id'));
      // a revision not in force is filed only once the clerk has read why that is unusual
      if (!cert.archived && cert.status.status !== 'current' && form.confirmed !== 'yes') {
        archiveNotesSchema.parse(typed);
        return renderPage(c, deps.renderer, 'certificate', { certificate: viewOf(cert), confirmFiling: typed });
      }
      // filed before, the notes are not saved whatever they hold: the answer says so instead of checking them
      const { record, created } = await fileRevision(deps, c, cert.archived ? {} : typed);
      if (created) return c.redirect(`/archive/${record.id}`, 303);
      const filed = await ownCertificate(deps.sql, c.get('principal')!.orgId, c.req.param('id'));
      return renderPage(c, deps.renderer, 'certificate', { certificate: viewOf(filed), refiled: typed });
    } catch (e) {
      if (!(e instanceof ZodError)) throw e;
      const cert = await ownCertificate(deps.sql, c.get('principal')!.orgId, c.req.param('id'));
      const archiveForm = { ...typed, errors: formErrors(e) };
      return renderPage(c, deps.renderer, 'certificate', { certificate: viewOf(cert), archiveForm }, 422);
    }
  });
  app.get('/archive', async (c) => {
    const query = c.req.query();
    const parsed = archiveSearchSchema.safeParse(query);
    if (!parsed.success) {
      return renderPage(c, deps.renderer, 'archive-list', { search: query, items: [], errors: formErrors(parsed.error) }, 422);
    }
    const { cursor: _, limit, ...search } = parsed.data;
    const page = await searchArchivePage(deps.sql, c.get('principal')!.orgId, { ...search, limit }, pageNumberSchema.parse(query.page));
    return renderPage(c, deps.renderer, 'archive-list', {
      search: query.limit ? { ...search, limit } : search,
      items: page.items,
      paging: numberedPaging(page),
      archiveEmpty: page.archiveEmpty,
    });
  });
  app.get('/archive.csv', (c) => csvResponse(c, 'archive.csv', archiveCsv(deps.sql, c.get('principal')!.orgId, archiveSearchSchema.parse(c.req.query()))));
  app.get('/archive/:id', async (c) => recordPage(deps, c, null));
  app.post('/archive/:id/recheck', async (c) => recordPage(deps, c, await recheck(deps, c)));
  app.get('/archive/:id/pdf', async (c) => archivedPdf(deps, c));
  app.get('/archive/:id/jws', async (c) => archivedJws(deps, c));
  return app;
}

async function recordPage(deps: ArchiveDeps, c: Context<AppEnv>, report: Awaited<ReturnType<typeof recheck>> | null) {
  const { orgId } = requester(c);
  const record = await ownRecord(deps, orgId, c.req.param('id')!);
  const cert = await loadCertificate(deps.sql, orgId, record.certificateId);
  if (!cert) throw new AppError('not_found', 404);
  if (!report) await logAccess(deps, c, 'archive.view', record);
  return renderPage(c, deps.renderer, 'archive-record', { record, certificate: viewOf(cert), report });
}

async function archivedPdf(deps: ArchiveDeps, c: Context<AppEnv>) {
  const { orgId } = requester(c);
  const record = await ownRecord(deps, orgId, c.req.param('id')!);
  const pdf = (await getArchivePdf(deps.sql, orgId, record.id))!;
  await logAccess(deps, c, 'archive.pdf', record);
  return pdfResponse(c, pdf, record, '-archived');
}

async function archivedJws(deps: ArchiveDeps, c: Context<AppEnv>) {
  const { orgId } = requester(c);
  const record = await ownRecord(deps, orgId, c.req.param('id')!);
  const jws = (await getArchiveJws(deps.sql, orgId, record.id))!;
  await logAccess(deps, c, 'archive.jws', record);
  return c.body(jws, 200, { 'content-type': 'application/secevent+jwt', 'content-disposition': 'attachment; filename="certificate.jws"' });
}

const archiveRecord = { name: 'ArchiveRecord', schema: archiveRecordJsonSchema };

/** What filing through the API takes: the clerk's notes and, optionally, the ledger contract to link it to (SPEC §9). */
const fileRequestSchema = archiveNotesSchema.extend({ contract: referenceSchema.nullish() });

/** The routes of `archiveApi`, for the OpenAPI document. */
export const archiveOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/api/v1/certificates/:id/archive',
    summary: "File an unlocked revision in the organisation's archive, with a PDF made now",
    body: { json: { name: 'FileRequest', schema: fileRequestSchema }, required: false },
    answers: [
      { status: 201, description: 'Filed', json: archiveRecord },
      { status: 200, description: 'Filed before: the record as it was, unchanged', json: archiveRecord },
    ],
    errors: [400, 401, 404, 413, 422, 503],
  },
  {
    method: 'get',
    path: '/api/v1/archive',
    summary: "Search the organisation's archive, newest first",
    query: archiveSearchSchema,
    answers: [{ status: 200, description: 'One page of records and the cursor of the next', json: { name: 'ArchivePage', schema: archivePageJsonSchema } }],
    errors: [401, 422],
  },
  {
    method: 'get',
    path: '/api/v1/archive/:id',
    summary: 'One filed record',
    answers: [{ status: 200, description: "The record, with the certificate's status today", json: archiveRecord }],
    errors: [401, 404],
  },
  {
    method: 'get',
    path: '/api/v1/archive/:id/pdf',
    summary: 'The PDF made when the revision was filed',
    answers: [{ status: 200, description: 'The PDF', contentType: 'application/pdf' }],
    errors: [401, 404],
  },
  {
    method: 'get',
    path: '/api/v1/archive/:id/jws',
    summary: 'The SET exactly as the issuer signed it',
    answers: [
      {
        status: 200,
        description: 'The compact JWS',
        contentType: 'application/secevent+jwt',
        schema: { type: 'string', pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' },
      },
    ],
    errors: [401, 404],
  },
  {
    method: 'post',
    path: '/api/v1/archive/:id/recheck',
    summary: "Verify the filed record again, against the stored bytes and the issuer's kept keys",
    answers: [{ status: 200, description: 'The verification report (SPEC §6)', json: { name: 'VerificationReport', schema: verificationReportSchema } }],
    errors: [401, 404],
  },
];

/** The JSON API of the archive (SPEC §4). */
export function archiveApi(deps: ArchiveDeps) {
  const app = new Hono<AppEnv>();
  app.post('/api/v1/certificates/:id/archive', async (c) => {
    const body = fileRequestSchema.parse((await readJson(c)) ?? {});
    const { record, created } = await fileRevision(deps, c, body);
    return c.json(toArchiveJson(record), created ? 201 : 200);
  });
  app.get('/api/v1/archive', async (c) => {
    const page = await searchArchive(deps.sql, c.get('principal')!.orgId, archiveSearchSchema.parse(c.req.query()));
    const body: ArchivePageJson = { items: page.items.map(toArchiveJson), next: page.next };
    return c.json(body);
  });
  app.get('/api/v1/archive/:id', async (c) => c.json(toArchiveJson(await ownRecord(deps, c.get('principal')!.orgId, c.req.param('id')))));
  app.get('/api/v1/archive/:id/pdf', async (c) => archivedPdf(deps, c));
  app.get('/api/v1/archive/:id/jws', async (c) => archivedJws(deps, c));
  app.post('/api/v1/archive/:id/recheck', async (c) => c.json(await recheck(deps, c)));
  return app;
}
