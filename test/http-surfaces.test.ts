import net from 'node:net';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE_LIMITS } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { Registry } from '../src/metrics/index.js';
import { createRenderer } from '../src/render/index.js';
import { createApp } from '../src/web/app.js';
import type { AppEnv } from '../src/web/env.js';
import { AppError } from '../src/web/errors.js';
import { listen, type RunningServer } from '../src/web/server.js';

/** The error policy alone, on a real server, with routes that fail the ways a feature's routes may. */
let server: RunningServer;
beforeAll(async () => {
  const routes = new Hono<AppEnv>();
  // what the feed engineer's push answers when a SET cannot be checked now (SPEC §2.3)
  routes.post('/sets', () => {
    throw new AppError('service_unavailable', { headers: { 'retry-after': '30' }, detail: 'the issuer JWKS does not answer' });
  });
  routes.put('/sets', () => {
    throw new Error('a bug in push');
  });
  routes.get('/api/v1/broken', () => {
    throw new Error('a bug', { cause: new Error('its cause') });
  });
  routes.get('/broken', () => {
    throw new Error('a bug');
  });
  const app = createApp({
    config: { trustProxy: false, proxyHops: 1, secureCookies: false, databaseLimits: DEFAULT_DATABASE_LIMITS },
    log: silentLogger,
    metrics: new Registry(),
    renderer: createRenderer(),
    readiness: [],
    routes: [routes],
  });
  server = await listen(app, { port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await server?.close(1000);
});

/** Sends raw bytes on a fresh socket and resolves with what came back until the server closed it. */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.write(request);
  });
}

describe('the error policy of each surface', () => {
  it('push: an AppError with headers is RFC 8935 JSON with its status and Retry-After', async () => {
    const res = await fetch(`${server.url}/sets`, { method: 'POST', headers: { 'content-type': 'application/secevent+jwt' }, body: 'a.b.c' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(await res.json()).toEqual({ err: 'service_unavailable', description: 'the issuer JWKS does not answer' });
  });

  it('a failure inside shosho is a 500 in the surface format: RFC 8935 JSON on /sets, JSON for the API, a page for people', async () => {
    const push = await fetch(`${server.url}/sets`, { method: 'PUT' });
    expect(push.status).toBe(500);
    expect(await push.json()).toMatchObject({ err: 'internal_error', description: expect.any(String) });
    const api = await fetch(`${server.url}/api/v1/broken`);
    expect(api.status).toBe(500);
    expect(await api.json()).toMatchObject({ error: { code: 'internal_error' } });
    const page = await fetch(`${server.url}/broken`);
    expect(page.status).toBe(500);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('a body declared larger than anything worth reading is refused at once and the connection closed', async () => {
    const answer = await raw('POST /api/v1/lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{');
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(answer).toContain('"code":"body_too_large"');
  });
});
