/**
 * An issuer's RFC 8936 feed in a process of its own, so serving it does not share the poller's
 * event loop: reads `{ "sets": { jti: token } }` from FEED_FILE, serves POST /feed (acks and
 * setErrs drop entries) and GET /stats, on a loopback port; prints `READY {"url":…}`.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const { sets } = JSON.parse(fs.readFileSync(process.env.FEED_FILE!, 'utf8')) as { sets: Record<string, string> };
const queue = new Map(Object.entries(sets));
let acknowledged = 0;
let errors = 0;
const errorSamples: unknown[] = [];
let requests = 0;

const server = http.createServer(async (req, res) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  res.setHeader('content-type', 'application/json');
  if (req.method === 'GET' && req.url === '/stats') {
    return void res.end(JSON.stringify({ pending: queue.size, acknowledged, errors, errorSamples, requests }));
  }
  if (req.method !== 'POST' || req.url !== '/feed') return void res.writeHead(404).end('{}');
  requests++;
  const poll = JSON.parse(body || '{}') as { ack?: string[]; setErrs?: Record<string, unknown>; maxEvents?: number };
  for (const jti of poll.ack ?? []) if (queue.delete(jti)) acknowledged++;
  for (const [jti, e] of Object.entries(poll.setErrs ?? {})) {
    if (queue.delete(jti)) errors++;
    if (errorSamples.length < 5) errorSamples.push({ jti, e });
  }
  const out: Record<string, string> = {};
  let n = 0;
  for (const [jti, token] of queue) {
    if (n >= (poll.maxEvents ?? 100)) break;
    out[jti] = token;
    n++;
  }
  res.end(JSON.stringify({ sets: out, moreAvailable: queue.size > n }));
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY ${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
