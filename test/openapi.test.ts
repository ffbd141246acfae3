import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, changeRevision, type ReferenceIssuer } from '../reference-issuer/index.js';
import { archiveApi } from '../src/web/routes/archive.js';
import { apiRoutes } from '../src/web/routes/api.js';
import { contractApi } from '../src/web/routes/contracts.js';
import { alertsApi } from '../src/web/routes/alerts.js';
import { noticesApi } from '../src/web/routes/notices.js';
import { openApiRoutes } from '../src/web/api-operations.js';
import type { TestDatabase } from './helpers/db.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate, digestFor } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';
import { startTestService } from './helpers/service.js';

interface Operation {
  operationId: string;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
}

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let token: string;
let doc: Document;
let ajv: Ajv2020;
const DOC_ID = 'https://shosho.test/openapi.json';
/** Every (operation, status) a real answer was checked for. */
const seen = new Set<string>();

/** The documented operation a concrete request path belongs to. */
function operationOf(method: string, path: string): Operation {
  const bare = path.split('?')[0]!;
  const matches = (t: string) => new RegExp(`^${t.replace(/\./g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`).test(bare);
  // a literal segment wins over a parameter, as in the router (/contracts/import before /contracts/{reference})
  const templates = Object.keys(doc.paths).filter((t) => matches(t) && doc.paths[t]![method.toLowerCase()]);
  const template = templates.sort((a, b) => a.split('{').length - b.split('{').length)[0];
  const op = template && doc.paths[template]![method.toLowerCase()];
  if (!op) throw new Error(`${method} ${bare} is not in the document`);
  return op;
}

/** Calls the real service and checks the answer's status, media type and body against the document. */
async function call(
  method: string,
  path: string,
  opts: { token?: string | null; body?: unknown; raw?: { type?: string; data: string | FormData }; at?: string } = {},
) {
  const bearer = opts.token === undefined ? token : opts.token;
  const origin = opts.at ?? base;
  const res = opts.raw
    ? await fetch(origin + path, {
        method,
        headers: { ...(opts.raw.type ? { 'content-type': opts.raw.type } : {}), ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        body: opts.raw.data,
      }).then(async (r) => ({ status: r.status, headers: r.headers, text: await r.text() }))
    : bearer
      ? await apiCall(origin, bearer, method, path, opts.body)
      : await fetch(origin + path, { method }).then(async (r) => ({ status: r.status, headers: r.headers, text: await r.text() }));
  const op = operationOf(method, path);
  const documented = op.responses[String(res.status)];
  expect(documented, `${op.operationId} answered ${res.status}, which the document does not list`).toBeDefined();
  const type = res.headers.get('content-type')!.split(';')[0]!;
  expect(Object.keys(documented!.content ?? {}), `${op.operationId} ${res.status}: media type`).toContain(type);
  const ref = documented!.content![type]!.schema?.$ref;
  const json = type === 'application/json' ? JSON.parse(res.text) : null;
  if (ref) {
    const validate = ajv.getSchema(DOC_ID + ref) as ValidateFunction;
    expect(validate(json), `${op.operationId} ${res.status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  }
  seen.add(`${op.operationId} ${res.status}`);
  return { status: res.status, json, text: res.text };
}

async function issue(number: string, key: string, obligee?: { name: string; code: string }) {
  const s = await issuer.sign(CERTIFICATE_EVENT, await certificate(number, key, 'advance_payment', 3, obligee));
  expect((await issuer.push(`${base}/sets`, s.token)).status).toBe(202);
}

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer, base } = fx);
  ({ token } = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }));
  const res = await fetch(`${base}/api/v1/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as Document;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ $id: DOC_ID, components: doc.components });
});
afterAll(async () => {
  await fx?.close();
});

describe('GET /api/v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document, by an independent validator, with or without a token', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const result = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    await call('GET', '/api/v1/openapi.json', { token: null });
    const withToken = await call('GET', '/api/v1/openapi.json');
    expect(withToken.json).toEqual(doc);
  });

  it('lists every /api/v1 route the service mounts, and nothing else', () => {
    const routers = [
      apiRoutes({} as never),
      archiveApi({} as never),
      contractApi({} as never),
      alertsApi({} as never),
      noticesApi({} as never),
      openApiRoutes(),
    ];
    const mounted = routers
      .flatMap((r) => r.routes)
      .filter((r) => r.path.startsWith('/api/v1/') && r.method !== 'ALL')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([A-Za-z]+)/g, '{$1}')}`);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`));
    expect(documented.sort()).toEqual([...new Set(mounted)].sort());
  });

  it('describes each body from the schema that checks it: a field the schema refuses is refused by the route', async () => {
    type Property = { maxLength?: number; anyOf?: Property[] };
    const schemas = doc.components.schemas as Record<string, { properties?: Record<string, Property> }>;
    const reference = schemas.FileRequest!.properties!.reference!;
    const max = [reference, ...(reference.anyOf ?? [])].find((p) => p.maxLength)?.maxLength;
    expect(max).toBeGreaterThan(0);
    await issue('2070000101', 'NOTES1KEY');
    const { json } = await call('POST', '/api/v1/lookup', { body: { number: '2070000101', authKey: 'NOTES1KEY' } });
    const tooLong = await call('POST', `/api/v1/certificates/${json.id}/archive`, { body: { reference: 'x'.repeat(max! + 1) } });
    expect(tooLong.status).toBe(422);
    expect(tooLong.json.error.message).toContain('reference');
  });
});

describe("each route's real answers match the document", () => {
  let certificateId: string;
  let archiveId: string;

  it('lookup: success, wrong key, malformed, other obligee, not JSON, too large, no token, locked out', async () => {
    await issue('2070000202', 'RIGHT2KEY');
    const ok = await call('POST', '/api/v1/lookup', { body: { number: '2070-000202', authKey: 'right2key' } });
    expect(ok.status).toBe(200);
    certificateId = ok.json.id;
    expect((await call('POST', '/api/v1/lookup', { body: { number: '2070000202', authKey: 'WRONG2KEY' } })).status).toBe(404);
    expect((await call('POST', '/api/v1/lookup', { body: { number: '12', authKey: 'RIGHT2KEY' } })).status).toBe(422);
    expect((await call('POST', '/api/v1/lookup', { body: [] })).status).toBe(422);
    await issue('2070000303', 'OTHER3KEY', { name: '岡山県知事', code: '330001' });
    expect((await call('POST', '/api/v1/lookup', { body: { number: '2070000303', authKey: 'OTHER3KEY' } })).status).toBe(403);
    expect((await call('POST', '/api/v1/lookup', { raw: { type: 'application/json', data: '{"number":' } })).status).toBe(400);
    expect((await call('POST', '/api/v1/lookup', { raw: { type: 'application/json', data: `{"number":"${'1'.repeat(300 * 1024)}"}` } })).status).toBe(413);
    expect((await call('POST', '/api/v1/lookup', { token: 'not-a-token', body: { number: '2070000202', authKey: 'RIGHT2KEY' } })).status).toBe(401);
    await issue('2070000404', 'LOCK4KEY');
    let last = 0;
    for (let i = 0; i < 6; i++) last = (await call('POST', '/api/v1/lookup', { body: { number: '2070000404', authKey: `WRONG${i}KEY` } })).status;
    expect(last).toBe(429);
  });

  it('certificates: the revision, its PDF, and 404 for an id not unlocked', async () => {
    expect((await call('GET', `/api/v1/certificates/${certificateId}`)).status).toBe(200);
    expect((await call('GET', `/api/v1/certificates/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await call('GET', `/api/v1/certificates/${certificateId}/pdf`)).status).toBe(200);
    expect((await call('GET', `/api/v1/certificates/not-an-id/pdf`)).status).toBe(404);
  });

  it('filing: created, again, malformed notes, not JSON, unknown id', async () => {
    const created = await call('POST', `/api/v1/certificates/${certificateId}/archive`, { body: { reference: '広土第1号', memo: '前払金請求\n添付' } });
    expect(created.status).toBe(201);
    archiveId = created.json.id;
    expect((await call('POST', `/api/v1/certificates/${certificateId}/archive`)).status).toBe(200);
    expect((await call('POST', `/api/v1/certificates/${certificateId}/archive`, { body: { memo: 'a\u202eb' } })).status).toBe(422);
    expect((await call('POST', `/api/v1/certificates/${certificateId}/archive`, { raw: { type: 'application/json', data: '{' } })).status).toBe(400);
    expect((await call('POST', `/api/v1/certificates/${crypto.randomUUID()}/archive`, { body: {} })).status).toBe(404);
  });

  it('archive: search, a record, its PDF and SET, a recheck, and their errors', async () => {
    const page = await call('GET', '/api/v1/archive?q=2070&limit=1');
    expect(page.status).toBe(200);
    expect(page.json.items).toHaveLength(1);
    expect((await call('GET', '/api/v1/archive?kind=bond')).status).toBe(422);
    expect((await call('GET', `/api/v1/archive/${archiveId}`)).status).toBe(200);
    expect((await call('GET', `/api/v1/archive/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await call('GET', `/api/v1/archive/${archiveId}/pdf`)).status).toBe(200);
    expect((await call('GET', `/api/v1/archive/${archiveId}/jws`)).status).toBe(200);
    expect((await call('GET', `/api/v1/archive/${crypto.randomUUID()}/jws`)).status).toBe(404);
    const report = await call('POST', `/api/v1/archive/${archiveId}/recheck`);
    expect(report.status).toBe(200);
    expect(report.json.result).toBe('passed');
    expect((await call('GET', `/api/v1/archive/${archiveId}`, { token: null })).status).toBe(401);
  });

  it('the contract ledger: put, get, list, import, linking by hand, and their errors', async () => {
    const contract = {
      projectName: '〇〇道路改良工事',
      contractor: { name: '株式会社テスト建設' },
      contractPrice: 123_200_000,
      contractDate: '2024-06-01',
      period: { from: '2024-06-03', to: '2025-03-14' },
      required: ['advance_payment', 'contract'],
    };
    expect((await call('PUT', '/api/v1/contracts/R6-001', { body: contract })).status).toBe(201);
    expect((await call('PUT', '/api/v1/contracts/R6-001', { body: { ...contract, contractPrice: 130_000_000 } })).status).toBe(200);
    expect((await call('PUT', '/api/v1/contracts/R6-002', { body: { ...contract, required: ['bond'] } })).status).toBe(422);
    expect((await call('PUT', '/api/v1/contracts/R6-002', { raw: { type: 'application/json', data: '{' } })).status).toBe(400);
    expect((await call('GET', '/api/v1/contracts/R6-001')).status).toBe(200);
    expect((await call('GET', '/api/v1/contracts/R6-404')).status).toBe(404);
    const list = await call('GET', '/api/v1/contracts?state=incomplete&limit=5');
    expect(list.status).toBe(200);
    expect(list.json.items.map((c: { reference: string }) => c.reference)).toEqual(['R6-001']);
    expect((await call('GET', '/api/v1/contracts?state=done')).status).toBe(422);
    const csv =
      'reference,projectName,contractor,contractPrice,contractDate,periodFrom,periodTo,required\nR6-003,橋梁補修工事,株式会社テスト建設,50000000,2024-07-01,2024-07-02,2025-01-31,contract\n';
    const imported = await call('POST', '/api/v1/contracts/import', { raw: { type: 'text/csv', data: csv } });
    expect(imported.json).toEqual({ created: 1, updated: 0, errors: [] });
    const refused = await call('POST', '/api/v1/contracts/import', { raw: { type: 'text/csv', data: csv.replace('50000000', 'fifty') } });
    expect(refused.json.errors).toHaveLength(1);
    expect((await call('POST', '/api/v1/contracts/import', { raw: { type: 'application/json', data: '{}' } })).status).toBe(415);
    const linked = await call('PUT', `/api/v1/archive/${archiveId}/contract`, { body: { contract: 'R6-001' } });
    expect(linked.status).toBe(200);
    expect(linked.json.contract).toBe('R6-001');
    expect((await call('GET', '/api/v1/contracts/R6-001')).json.guarantees.find((g: { kind: string }) => g.kind === 'advance_payment').archiveId).toBe(
      archiveId,
    );
    expect((await call('PUT', `/api/v1/archive/${archiveId}/contract`, { body: { contract: 'R6-404' } })).status).toBe(422);
    expect((await call('PUT', `/api/v1/archive/${crypto.randomUUID()}/contract`, { body: { contract: null } })).status).toBe(404);
  });

  it('alerts: a list, resolving one (again: unchanged), and their errors', async () => {
    const filed = await certificate('2070000202', 'RIGHT2KEY', 'advance_payment', 3);
    const s = await issuer.sign(CERTIFICATE_EVENT, changeRevision(filed, 1, await digestFor('CHANGE2KEY'), '2024-09-02'));
    expect((await issuer.push(`${base}/sets`, s.token)).status).toBe(202);
    const open = await call('GET', '/api/v1/alerts?open=true');
    expect(open.status).toBe(200);
    const alert = open.json.items.find((a: { number: string }) => a.number === '2070000202');
    expect(alert).toMatchObject({ type: 'new_revision', revision: 1, resolvedAt: null });
    expect((await call('GET', '/api/v1/alerts?open=maybe')).status).toBe(422);
    expect((await call('POST', `/api/v1/alerts/${alert.id}/resolve`, { body: { note: 42 } })).status).toBe(422);
    expect((await call('POST', `/api/v1/alerts/${alert.id}/resolve`, { raw: { type: 'application/json', data: '{"note":' } })).status).toBe(400);
    const resolved = await call('POST', `/api/v1/alerts/${alert.id}/resolve`, { body: { note: '受注者に変更の認証キーを依頼済み' } });
    expect(resolved.status).toBe(200);
    expect((await call('POST', `/api/v1/alerts/${alert.id}/resolve`)).json).toEqual(resolved.json);
    expect((await call('POST', `/api/v1/alerts/${crypto.randomUUID()}/resolve`)).status).toBe(404);
    expect((await call('GET', '/api/v1/alerts?open=false')).json.items.map((a: { id: string }) => a.id)).toContain(alert.id);
  });

  it('key notices and batch lookup: pairs read from text and files, each pair looked up, and their errors', async () => {
    const read = await call('POST', '/api/v1/notices/read', { body: { text: '工事名：〇〇道路改良工事\n保証契約番号：2070-000202\n認証キー：right2key' } });
    expect(read.status).toBe(200);
    expect(read.json.items).toMatchObject([{ source: 'text', number: '2070000202', authKey: 'RIGHT2KEY' }]);
    const form = new FormData();
    form.append('file', new Blob(['not a PDF'], { type: 'application/pdf' }), 'notice.pdf');
    const files = await call('POST', '/api/v1/notices/read', { raw: { data: form } });
    expect(files.json.problems).toMatchObject([{ source: 'notice.pdf', code: 'not_pdf' }]);
    expect((await call('POST', '/api/v1/notices/read', { body: { text: ' ' } })).status).toBe(422);
    expect((await call('POST', '/api/v1/notices/read', { raw: { type: 'text/plain', data: 'x' } })).status).toBe(400);
    const batch = await call('POST', '/api/v1/lookup/batch', {
      body: {
        items: [
          { number: '2070000202', authKey: 'RIGHT2KEY' },
          { number: '2070000202', authKey: 'WRONG9KEY' },
          { number: '1', authKey: 'X' },
        ],
      },
    });
    expect(batch.json.results.map((r: { status: number }) => r.status)).toEqual([200, 404, 422]);
    expect((await call('POST', '/api/v1/lookup/batch', { body: { items: [] } })).status).toBe(422);
    expect((await call('POST', '/api/v1/lookup/batch', { raw: { type: 'application/json', data: '{"items":' } })).status).toBe(400);
  });

  it('a PDF route without a browser answers the documented 503', async () => {
    const noBrowser = await startTestService(db, { CHROMIUM_PATH: '/nonexistent/chromium' });
    try {
      expect((await call('GET', `/api/v1/certificates/${certificateId}/pdf`, { at: noBrowser.url })).status).toBe(503);
    } finally {
      await noBrowser.stop();
    }
  });

  it('every documented success answer was met for real', () => {
    const successes = Object.values(doc.paths).flatMap((ops) =>
      Object.values(ops).flatMap((op) =>
        Object.keys(op.responses)
          .filter((s) => s.startsWith('2'))
          .map((s) => `${op.operationId} ${s}`),
      ),
    );
    expect(successes.filter((s) => !seen.has(s))).toEqual([]);
  });
});
