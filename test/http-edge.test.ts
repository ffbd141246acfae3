import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, type ReferenceIssuer } from '../reference-issuer/index.js';
import type { TestDatabase } from './helpers/db.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate } from './helpers/issuer.js';
import { KeepAliveClient } from './helpers/keep-alive.js';
import { WebClient } from './helpers/web-client.js';
import { seedOrganisation } from './helpers/seed.js';

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let org: { password: string; token: string };
let certificateId: string;

const KiB = 1024;
const api = (method: string, path: string, body?: unknown) => apiCall(base, org.token, method, path, body);
const bearer = () => ({ authorization: `Bearer ${org.token}` });
const json = (text: string) => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer, base } = fx);
  org = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [
    { username: 'tanaka', role: 'clerk' },
    { username: 'kansa', role: 'auditor' },
  ]);
  const s = await issuer.sign(CERTIFICATE_EVENT, await certificate('2080001111', 'ED12GE34'));
  expect((await issuer.push(`${base}/sets`, s.token)).status).toBe(202);
  const r = await api('POST', '/api/v1/lookup', { number: '2080001111', authKey: 'ED12GE34' });
  expect(r.status).toBe(200);
  certificateId = r.json.id;
});
afterAll(async () => {
  await fx?.close();
});

describe('one error policy per surface', () => {
  const push = (body: string | Buffer | Buffer[], type = 'application/secevent+jwt') => {
    const client = new KeepAliveClient(base);
    return client.request('POST', '/sets', { headers: { 'content-type': type }, body }).finally(() => client.close());
  };

  it.each([
    ['100 KiB (over the SET limit)', () => 'a'.repeat(100 * KiB)],
    ['300 KiB (over every body limit)', () => 'a'.repeat(300 * KiB)],
    ['4 MiB sent chunked, with no Content-Length', () => Array.from({ length: 64 }, () => Buffer.alloc(64 * KiB, 0x61))],
  ])('/sets refuses a body of %s as RFC 8935 JSON 400 invalid_request', async (_, body) => {
    const res = await push(body());
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(json(res.text)).toMatchObject({ err: 'invalid_request', description: expect.any(String) });
  });

  it('/sets answers a wrong method and a wrong type as RFC 8935 JSON too', async () => {
    const client = new KeepAliveClient(base);
    const get = await client.request('GET', '/sets');
    expect(get.status).toBeGreaterThanOrEqual(400);
    expect(json(get.text)).toMatchObject({ err: expect.any(String), description: expect.any(String) });
    client.close();
    const wrongType = await push('x', 'text/plain');
    expect(wrongType.status).toBe(400);
    expect(json(wrongType.text)).toMatchObject({ err: 'invalid_request' });
  });

  it('/sets answers a failure inside shosho as RFC 8935 JSON, not as a page', async () => {
    const s = await issuer.sign(CERTIFICATE_EVENT, await certificate('2080002222', 'ED12GE34'));
    await db.sql`alter table received_sets rename to received_sets_away`;
    try {
      const res = await push(s.token);
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(json(res.text)).toMatchObject({ err: expect.any(String), description: expect.any(String) });
    } finally {
      await db.sql`alter table received_sets_away rename to received_sets`;
    }
  });

  it('the API answers every error as { error: { code, message } }, a page as HTML', async () => {
    const unknown = await api('GET', '/api/v1/no-such-route');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    const big = await fetch(`${base}/api/v1/lookup`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: JSON.stringify({ number: 'x'.repeat(300 * KiB) }),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'body_too_large' } });
    const page = await fetch(`${base}/no-such-page`);
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });
});

describe('a refused body leaves the keep-alive connection usable', () => {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const refusals: Array<[string, string, string, Record<string, string>, () => string | Buffer[]]> = [
    ['/sets, 100 KiB', 'POST', '/sets', { 'content-type': 'application/secevent+jwt' }, () => 'a'.repeat(100 * KiB)],
    ['/sets, 1 MiB', 'POST', '/sets', { 'content-type': 'application/secevent+jwt' }, () => 'a'.repeat(1024 * KiB)],
    [
      '/sets, 4 MiB chunked',
      'POST',
      '/sets',
      { 'content-type': 'application/secevent+jwt' },
      () => Array.from({ length: 64 }, () => Buffer.alloc(64 * KiB, 0x61)),
    ],
    ['/sets, wrong type', 'POST', '/sets', { 'content-type': 'text/plain' }, () => 'a'.repeat(32 * KiB)],
    ['API, 1 MiB JSON', 'POST', '/api/v1/lookup', { 'content-type': 'application/json' }, () => JSON.stringify({ number: 'x'.repeat(1024 * KiB) })],
    [
      'API, 4 MiB chunked JSON',
      'POST',
      '/api/v1/lookup',
      { 'content-type': 'application/json' },
      () => Array.from({ length: 64 }, () => Buffer.alloc(64 * KiB, 0x20)),
    ],
    ['API, truncated JSON', 'POST', '/api/v1/lookup', { 'content-type': 'application/json' }, () => '{"number": "2080001111", "authKey": "ED12'],
    ['form, 1 MiB', 'POST', '/login', { 'content-type': 'application/x-www-form-urlencoded' }, () => form({ username: 'x'.repeat(1024 * KiB), password: 'y' })],
  ];

  it.each(refusals)('node http client with keepAlive: %s, then a good request', async (_, method, path, headers, body) => {
    const client = new KeepAliveClient(base);
    try {
      const refused = await client.request(method, path, { headers: { ...headers, ...bearer() }, body: body() });
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(refused.status).toBeLessThan(500);
      const next = await client.request('GET', `/api/v1/certificates/${certificateId}`, { headers: bearer() });
      expect(next.status).toBe(200);
      expect(next.reusedSocket, 'the refused body was drained and the connection kept').toBe(true);
    } finally {
      client.close();
    }
  });

  it.each(refusals)('fetch (undici): %s, then a good request', async (_, method, path, headers, body) => {
    const b = body();
    const refused = await fetch(base + path, { method, headers: { ...headers, ...bearer() }, body: Array.isArray(b) ? new Uint8Array(Buffer.concat(b)) : b });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    await refused.arrayBuffer();
    const next = await fetch(`${base}/api/v1/certificates/${certificateId}`, { headers: bearer() });
    expect(next.status).toBe(200);
  });
});

describe('a body that is not JSON is 400, never read as an empty one', () => {
  it('truncated JSON filing a certificate is refused and files nothing; the whole body then files it with its reference', async () => {
    const s = await issuer.sign(CERTIFICATE_EVENT, await certificate('2080003333', 'ED12GE34'));
    expect((await issuer.push(`${base}/sets`, s.token)).status).toBe(202);
    const id = (await api('POST', '/api/v1/lookup', { number: '2080003333', authKey: 'ED12GE34' })).json.id;
    const truncated = await fetch(`${base}/api/v1/certificates/${id}/archive`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: '{"reference": "福土第45号", "memo": "中間前払',
    });
    expect(truncated.status).toBe(400);
    expect(await truncated.json()).toMatchObject({ error: { code: 'invalid_json' } });
    expect((await db.sql`select count(*)::int as n from archive_records where revision_id = ${id}`)[0]!.n).toBe(0);
    const whole = await api('POST', `/api/v1/certificates/${id}/archive`, { reference: '福土第45号', memo: '一行目\n二行目\tタブ' });
    expect(whole.status).toBe(201);
    expect(whole.json).toMatchObject({ reference: '福土第45号', memo: '一行目\n二行目\tタブ' });
  });

  it('a body that is JSON but not an object is a 422, not a filing without notes', async () => {
    const res = await api('POST', `/api/v1/certificates/${certificateId}/archive`, ['福土第45号']);
    expect(res.status).toBe(422);
    expect((await db.sql`select count(*)::int as n from archive_records where revision_id = ${certificateId}`)[0]!.n).toBe(0);
  });
});

describe('no client input gives a 500', () => {
  const cursor = (v: string) => Buffer.from(JSON.stringify({ s: 'archivedAt', o: 'desc', v, id: crypto.randomUUID() })).toString('base64url');

  it.each([
    ['q', 'q=%00'],
    ['q', 'q=a%E2%80%AEb'],
    ['cursor', `cursor=${cursor('0000-01-01T00:00:00.000000Z')}`],
    ['from', 'from=0000-01-01'],
    ['to', 'to=0000-12-31'],
  ])('API search: %s in ?%s is a 422 naming the field', async (field, query) => {
    const res = await api('GET', `/api/v1/archive?${query}`);
    expect(res.status).toBe(422);
    expect(res.json.error.message).toContain(field);
  });

  it.each([
    ['reference', { reference: 'A\u0000B' }],
    ['reference', { reference: '福土\u0007第45号' }],
    ['reference', { reference: 'line\nbreak' }],
    ['memo', { memo: 'abc\u202eテキスト' }],
    ['memo', { memo: 'NUL\u0000' }],
  ])('API filing: a control character in %s is a 422 naming it, and files nothing', async (field, body) => {
    const res = await api('POST', `/api/v1/certificates/${certificateId}/archive`, body);
    expect(res.status).toBe(422);
    expect(res.json.error.message).toContain(field);
    expect((await db.sql`select count(*)::int as n from archive_records where revision_id = ${certificateId}`)[0]!.n).toBe(0);
  });

  it('pages: NUL in the search, the CSV export, the login name and the filing form is a 422 page naming the problem', async () => {
    const web = new WebClient(base);
    await web.login('tanaka', org.password);
    const page = await web.get('/archive?q=%00');
    expect(page.status).toBe(422);
    expect(page.text).toContain('制御文字');
    const csv = await web.get('/archive.csv?q=%00');
    expect(csv.status).toBe(422);
    expect(csv.headers.get('content-type')).toMatch(/^text\/html/);
    await web.get(`/certificates/${certificateId}`);
    const filing = await web.post(`/certificates/${certificateId}/archive`, { reference: '福土\u0000第45号', memo: '' });
    expect(filing.status).toBe(422);
    expect(filing.text).toContain('制御文字');
    const visitor = new WebClient(base);
    await visitor.get('/login');
    const login = await visitor.post('/login', { username: 'tana\u0000ka', password: 'x' });
    expect(login.status).toBe(422);
  });

  it('a form body that cannot be parsed is a 400 page, also with a valid CSRF token', async () => {
    const web = new WebClient(base);
    await web.login('tanaka', org.password);
    const csrf = web.csrf();
    const res = await web.request('POST', '/lookup', {
      headers: { 'content-type': 'multipart/form-data; boundary=zzz', 'x-csrf-token': csrf, origin: base },
      body: '--zzz\r\nContent-Disposition: form-data; name="number"\r\n\r\n2080001111\r\n--zz',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it.each(['/audit?actor=%00', '/audit?action=a%00', '/audit?number=%00', '/audit?from=0000-01-01', '/audit.csv?actor=%00', '/audit.csv?to=0000-01-01'])(
    'the audit log: %s is a 422 page, not a 500',
    async (path) => {
      const web = new WebClient(base);
      await web.login('kansa', org.password);
      const res = await web.get(path);
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    },
  );
});

describe('a CSV export that fails part-way does not look complete', () => {
  it('the download is cut off before its end, and the client sees an incomplete transfer', async () => {
    const web = new WebClient(base);
    await web.login('tanaka', org.password);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = db.sql.begin(async (tx) => {
      await tx`lock table archive_records in access exclusive mode`;
      locked();
      await released;
    });
    await isLocked;
    try {
      const cookie = [...web.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(`${base}/archive.csv`, { headers: { cookie } });
      expect(res.status).toBe(200);
      // the header line comes before the first query; read it before the failure, because an
      // errored body drops what the client has received but not yet read
      const reader = res.body!.getReader();
      const text = new TextDecoder();
      let received = '';
      while (!received.includes('\n')) {
        const { done, value } = await reader.read();
        if (done) break;
        received += text.decode(value, { stream: true });
      }
      expect(received).toContain('保証契約番号');
      // the export now waits on the lock: fail its query, as a lost database would
      let blocked: Array<{ pid: number }> = [];
      while (!blocked.length) {
        blocked =
          await db.sql`select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%archive_records%'`;
        if (!blocked.length) await new Promise((resolve) => setImmediate(resolve));
      }
      await db.sql`select pg_cancel_backend(${blocked[0]!.pid})`;
      const rest = (async () => {
        for (;;) {
          const { done } = await reader.read();
          if (done) return 'complete';
        }
      })();
      await expect(rest).rejects.toThrow();
    } finally {
      release();
      await holder;
    }
  });
});

describe('Cache-Control: no-store on every authenticated answer', () => {
  it('API answers (success and error), the SET, PDFs and pages behind login are no-store; static files are not', async () => {
    const filed = await api('GET', '/api/v1/archive');
    expect(filed.status).toBe(200);
    const archiveId = filed.json.items[0].id;
    const answers = [
      filed,
      await api('GET', `/api/v1/certificates/${certificateId}`),
      await api('GET', `/api/v1/archive/${archiveId}`),
      await api('GET', `/api/v1/archive/${archiveId}/jws`),
      await api('GET', '/api/v1/archive/00000000-0000-4000-8000-000000000000'),
      await apiCall(base, 'wrong-token', 'GET', '/api/v1/archive'),
    ];
    for (const res of answers) expect(res.headers.get('cache-control')).toBe('no-store');
    const web = new WebClient(base);
    await web.login('tanaka', org.password);
    for (const path of ['/archive', `/archive/${archiveId}`, `/archive/${archiveId}/jws`, '/archive.csv']) {
      const res = await web.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
    const css = await fetch(`${base}/static/shosho.css`);
    expect(css.headers.get('cache-control')).toMatch(/public/);
  });
});

describe('request ids', () => {
  it.each([
    ['too short', 'abc'],
    ['only characters hono admits but we do not', '=========='],
    ['too long', 'a'.repeat(65)],
  ])('a client id that is %s is replaced by one of ours', async (_, given) => {
    const res = await fetch(`${base}/healthz`, { headers: { 'x-request-id': given } });
    expect(res.headers.get('x-request-id')).not.toBe(given);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a valid client id is kept, on answers and on error pages', async () => {
    for (const path of ['/healthz', '/no-such-page', '/api/v1/archive']) {
      const res = await fetch(`${base}${path}`, { headers: { 'x-request-id': 'client-req-00000001' } });
      expect(res.headers.get('x-request-id')).toBe('client-req-00000001');
    }
  });
});
