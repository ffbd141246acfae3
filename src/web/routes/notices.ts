import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { Sql } from '../../db/index.js';
import { loadCertificate, type Lookup } from '../../lookup/index.js';
import { KINDS, REVISION_TYPES } from '../../domain/index.js';
import { doubtsAbout, MAX_FILE_BYTES, MAX_FILES, MAX_TEXT_BYTES, NOTICE_PROBLEM_CODES, type NoticeInput, type NoticeReader } from '../../notices/index.js';
import { errorMessage, translate, type BatchRow, type FormError, type NoticeRow, type Renderer } from '../../render/index.js';
import { readJson } from '../body.js';
import type { AppEnv } from '../env.js';
import { AppError } from '../errors.js';
import { lookupFailure, runLookup } from '../lookup-outcome.js';
import type { ApiOperation } from '../openapi.js';
import { renderPage } from '../page.js';
import { fileRevision, type ArchiveDeps } from '../filing.js';
import { requester } from '../requester.js';

/** SPEC §8: 1 to 50 pairs in one batch lookup. */
const MAX_BATCH = 50;

const pairSchema = z.object({ number: z.string().max(200), authKey: z.string().max(200) });
// the count is checked by the route, to answer `batch_size`; the document says the same bounds
const batchSchema = z.object({ items: z.array(pairSchema).meta({ minItems: 1, maxItems: MAX_BATCH }) });
const textSchema = z.object({ text: z.string().describe(`the text of one or more notices, at most ${MAX_TEXT_BYTES / 1024} KiB`) });

const readingJsonSchema = z.strictObject({
  items: z
    .array(
      z.strictObject({
        source: z.string().describe('`<file name> p.<page>`, or `text`'),
        number: z.string().describe('canonical form'),
        authKey: z.string().describe('canonical form'),
        kind: z.enum(KINDS).nullable(),
        revisionType: z.enum(REVISION_TYPES).nullable(),
        projectName: z.string().nullable(),
      }),
    )
    .describe('in document order, each (number, key) pair once'),
  problems: z.array(
    z.strictObject({
      source: z.string(),
      code: z.enum(NOTICE_PROBLEM_CODES),
      message: z.string(),
    }),
  ),
});

const batchJsonSchema = z.strictObject({
  results: z
    .array(
      z.strictObject({
        number: z.string(),
        status: z.union([z.literal(200), z.literal(403), z.literal(404), z.literal(422), z.literal(429)]).describe('what a single lookup of the pair answers'),
        id: z.uuid().optional().describe('the certificate revision, when found'),
        error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
      }),
    )
    .describe('one per item, in the order given'),
});

/** The routes of `noticesApi`, for the OpenAPI document. */
export const noticeOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/api/v1/notices/read',
    summary: 'Read numbers and auth keys from key-notice PDFs or pasted text',
    description: 'Looks nothing up, counts no attempt and stores nothing but an audit entry (never a key).',
    body: {
      required: true,
      json: { name: 'NoticeText', schema: textSchema },
      other: {
        'multipart/form-data': {
          description: `\`file\` parts (PDF; at most ${MAX_FILES} files of at most ${MAX_FILE_BYTES / 1024 / 1024} MiB each) and/or a \`text\` field`,
          schema: {
            type: 'object',
            properties: { file: { type: 'array', items: { type: 'string', contentMediaType: 'application/pdf' } }, text: { type: 'string' } },
          },
        },
      },
    },
    answers: [{ status: 200, description: 'The pairs read, and what could not be read', json: { name: 'NoticeReading', schema: readingJsonSchema } }],
    errors: [400, 401, 413, 422],
  },
  {
    method: 'post',
    path: '/api/v1/lookup/batch',
    summary: 'Look up several pairs at once, each as a single lookup (and counting towards the lockout)',
    body: { required: true, json: { name: 'BatchRequest', schema: batchSchema } },
    answers: [{ status: 200, description: 'One result per pair', json: { name: 'BatchResults', schema: batchJsonSchema } }],
    errors: [400, 401, 413, 422, 503],
  },
];

/** Files (PDFs in parts named `fileField`) and/or `text` (a form field, or JSON), within SPEC §8's limits. */
async function noticeInput(c: Context<AppEnv>, fileField: string): Promise<NoticeInput> {
  const type = c.req.header('content-type') ?? '';
  let files: File[] = [];
  let text: string | undefined;
  if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded')) {
    const form = await c.req.parseBody({ all: true });
    // a browser sends an empty, unnamed part when no file was chosen
    files = [form[fileField]].flat().filter((v): v is File => v instanceof File && (v.size > 0 || v.name !== ''));
    text = typeof form.text === 'string' ? form.text : undefined;
  } else if (type.startsWith('application/json')) {
    text = textSchema.parse((await readJson(c)) ?? {}).text;
  } else {
    throw new AppError('unsupported_content_type', { params: { expected: 'multipart/form-data, application/json' } });
  }
  if (files.length > MAX_FILES) throw new AppError('notices_too_many_files', 422, { max: MAX_FILES });
  if (text && Buffer.byteLength(text) > MAX_TEXT_BYTES) throw new AppError('notices_text_too_long', 413, { max: MAX_TEXT_BYTES / 1024 });
  if (files.length === 0 && !text?.trim()) throw new AppError('notices_no_input', 422);
  return { files: await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() }))), text };
}

type PairResult = { number: string; status: 200 | 403 | 404 | 422 | 429; id?: string; error?: FormError };

/** Each pair one lookup, in order, so each counts towards the lockout exactly as a single lookup. */
async function lookUpEach(lookup: Lookup, pairs: Array<z.infer<typeof pairSchema>>, c: Context<AppEnv>): Promise<PairResult[]> {
  const results: PairResult[] = [];
  for (const pair of pairs) {
    const result = await runLookup(lookup, pair, requester(c));
    if (result.status === 'ok') {
      results.push({ number: pair.number, status: 200, id: result.revisionId });
    } else {
      const { error } = lookupFailure(result);
      results.push({ number: pair.number, status: error.status as PairResult['status'], error: { code: error.code, params: error.params } });
    }
  }
  return results;
}

/** `POST /api/v1/notices/read` and `POST /api/v1/lookup/batch` (SPEC §8). */
export function noticesApi(deps: { reader: NoticeReader; lookup: Lookup }) {
  const app = new Hono<AppEnv>();
  app.post('/api/v1/notices/read', async (c) => {
    const reading = await deps.reader.read(await noticeInput(c, 'file'), requester(c));
    const lang = c.get('lang');
    const body: z.output<typeof readingJsonSchema> = {
      items: reading.items.map(({ numberLabel: _, ...item }) => item),
      problems: reading.problems.map((p) => ({ ...p, message: translate(lang, `notices.problem.${p.code}`) })),
    };
    return c.json(body);
  });
  app.post('/api/v1/lookup/batch', async (c) => {
    const { items } = batchSchema.parse((await readJson(c)) ?? {});
    if (items.length < 1 || items.length > MAX_BATCH) throw new AppError('batch_size', 422, { max: MAX_BATCH });
    const lang = c.get('lang');
    const results = (await lookUpEach(deps.lookup, items, c)).map(({ error, ...r }) =>
      error ? { ...r, error: { code: error.code, message: errorMessage(lang, error.code, error.params) } } : r,
    );
    const body: z.output<typeof batchJsonSchema> = { results };
    return c.json(body);
  });
  return app;
}

/** `POST /notices`, `POST /lookup/batch` and filing what a batch found (SPEC §3, §8). */
export function noticesPages(deps: { sql: Sql; renderer: Renderer; reader: NoticeReader; lookup: Lookup; archive: ArchiveDeps }) {
  const app = new Hono<AppEnv>();
  // the language switch on these pages links to them with GET: back to the lookup page, where they start
  for (const path of ['/notices', '/lookup/batch']) app.get(path, (c) => c.redirect('/', 303));
  app.post('/notices', async (c) => {
    let input: NoticeInput;
    try {
      input = await noticeInput(c, 'notice');
    } catch (e) {
      if (!(e instanceof AppError) || e.status === 400) throw e;
      return renderPage(c, deps.renderer, 'lookup', { errors: [{ code: e.code, params: e.params }] }, 422);
    }
    const reading = await deps.reader.read(input, requester(c));
    const rows: NoticeRow[] = reading.items.map((item, i) => ({
      row: i + 1,
      source: item.source,
      number: item.number,
      authKey: item.authKey,
      kind: item.kind,
      revisionType: item.revisionType,
      projectName: item.projectName,
      doubts: doubtsAbout(item),
    }));
    rows.push(emptyRow(rows.length + 1));
    return renderPage(c, deps.renderer, 'notices', { rows, problems: reading.problems, found: reading.items.length });
  });

  app.post('/lookup/batch', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const strings = (v: unknown) => [v].flat().filter((s): s is string => typeof s === 'string');
    const numbers = strings(form.number);
    const keys = strings(form.authKey);
    if (numbers.length !== keys.length) throw new AppError('invalid_request', 422);
    const pairs = numbers.map((number, i) => ({ number, authKey: keys[i]! })).filter((p) => p.number.trim() || p.authKey.trim());
    const parsed = z.array(pairSchema).min(1).max(MAX_BATCH).safeParse(pairs);
    if (!parsed.success) {
      const rows = pairs.slice(0, MAX_BATCH * 2).map((p, i): NoticeRow => ({ ...emptyRow(i + 1), ...p }));
      return renderPage(
        c,
        deps.renderer,
        'notices',
        { rows: rows.length ? rows : [emptyRow(1)], problems: [], found: rows.length, errors: [{ code: 'batch_size', params: { max: MAX_BATCH } }] },
        422,
      );
    }
    const results = await lookUpEach(deps.lookup, parsed.data, c);
    const orgId = c.get('principal')!.orgId;
    const rows: BatchRow[] = [];
    for (const r of results) {
      const cert = r.id ? await loadCertificate(deps.sql, orgId, r.id) : null;
      rows.push(
        cert
          ? {
              number: r.number,
              id: cert.id,
              kind: cert.payload.kind,
              revision: cert.payload.revision,
              projectName: cert.payload.project.name,
              status: cert.status.status,
            }
          : { number: r.number, error: r.error ?? { code: 'not_found' } },
      );
    }
    return renderPage(c, deps.renderer, 'notices-results', { rows, found: [...new Set(rows.flatMap((r) => (r.id ? [r.id] : [])))] });
  });

  app.post('/lookup/batch/archive', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const ids = [form.id].flat().filter((s): s is string => typeof s === 'string');
    if (ids.length < 1 || ids.length > MAX_BATCH) throw new AppError('batch_size', 422, { max: MAX_BATCH });
    const orgId = c.get('principal')!.orgId;
    // every id must be one this organisation unlocked before anything is filed
    for (const id of ids) if (!(await loadCertificate(deps.sql, orgId, id))) throw new AppError('not_found', 404);
    for (const id of ids) await fileRevision(deps.archive, c, {}, id);
    return c.redirect('/archive', 303);
  });
  return app;
}

function emptyRow(row: number): NoticeRow {
  return { row, source: null, number: '', authKey: '', kind: null, revisionType: null, projectName: null, doubts: [] };
}
