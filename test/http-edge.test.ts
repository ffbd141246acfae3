import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, type ReferenceIssuer } from '../reference-issuer/index.js';
import type { TestDatabase } from './helpers/db.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate } from './helpers/issuer.js';
import { KeepAliveClient } from './helpers/keep-alive.js';
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
const json = (text: string) => { try { return JSON.parse(text); } catch { return null; } };

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer, base } = fx);
  org = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [{ username: 'tanaka', role: 'clerk' }]);
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
    const big = await fetch(`${base}/api/v1/lookup`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify({ number: 'x'.repeat(300 * KiB) }) });
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
    ['/sets, 4 MiB chunked', 'POST', '/sets', { 'content-type': 'application/secevent+jwt' }, () => Array.from({ length: 64 }, () => Buffer.alloc(64 * KiB, 0x61))],
    ['/sets, wrong type', 'POST', '/sets', { 'content-type': 'text/plain' }, () => 'a'.repeat(32 * KiB)],
    ['API, 1 MiB JSON', 'POST', '/api/v1/lookup', { 'content-type': 'application/json' }, () => JSON.stringify({ number: 'x'.repeat(1024 * KiB) })],
    ['API, 4 MiB chunked JSON', 'POST', '/api/v1/lookup', { 'content-type': 'application/json' }, () => Array.from({ length: 64 }, () => Buffer.alloc(64 * KiB, 0x20))],
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
