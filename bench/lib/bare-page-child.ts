/**
 * The bare figure for bench/page.ts: a Hono handler on @hono/node-server that renders the same
 * certificate template, with the same view data and page context, from memory — no session, no
 * database, no audit, no middleware. The view data is read once at start (DATABASE_URL, ORG_ID,
 * REVISION_ID); prints `READY {"url":…}`.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import postgres from 'postgres';
import { loadCertificate } from '../../src/lookup/index.js';
import { createRenderer } from '../../src/render/index.js';
import { viewOf } from '../../src/lookup/index.js';

const sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {}, connection: { TimeZone: 'UTC' } });
const record = await loadCertificate(sql, process.env.ORG_ID!, process.env.REVISION_ID!);
await sql.end();
if (!record) throw new Error('no such unlocked certificate');
const view = viewOf(record);
const renderer = createRenderer();
const user = { username: process.env.USERNAME ?? 'tanaka', role: 'clerk' as const, orgName: process.env.ORG_NAME ?? '' };
const csrfToken = process.env.CSRF ?? 'x'.repeat(43);

const app = new Hono();
app.get('/certificates/:id', (c) => {
  const html = renderer.render('certificate', { certificate: view }, { lang: 'ja', requestId: randomUUID(), user, csrfToken });
  c.header('cache-control', 'no-store');
  return c.html(html);
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
  process.stdout.write(`READY ${JSON.stringify({ url: `http://127.0.0.1:${info.port}` })}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  process.exit(0);
});
