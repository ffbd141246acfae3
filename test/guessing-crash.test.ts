import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT } from '../reference-issuer/index.js';
import { PENDING_EXPIRY_MS } from '../src/auth/index.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';
import { AUDIENCE } from './helpers/service.js';

// Issue 19 / SPEC §3: a lookup cut short by a crash does not stay a failure — after `shosho serve`
// is killed mid-lookup, the right key is not locked out.

let fx: ServiceFixture;
let token: string;
const KEY = 'QW12-ER34-TY56';
const NUMBER = '2073000001';
const SUBJECT = `hiroshima:${NUMBER}`;

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ token } = await seedOrganisation(fx.db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [{ username: 'tanaka', role: 'clerk' }]));
  const s = await fx.issuer.sign(CERTIFICATE_EVENT, await certificate(NUMBER, KEY));
  expect((await fx.issuer.push(`${fx.base}/sets`, s.token)).status).toBe(202);
});
afterAll(async () => {
  await fx?.close();
});

/** `shosho serve` as operators run it, on the test database; resolves with its URL once it prints it. */
function serve(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/shosho.cjs', 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: fx.db.url,
      PORT: '0',
      SHOSHO_AUDIENCE: AUDIENCE,
      SHOSHO_PDF_WARMUP: 'false',
      SHOSHO_POLL_INTERVAL_SECONDS: '3600',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /shosho: (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('exit', (code) => reject(new Error(`shosho serve exited with ${code} before listening`)));
  });
}

describe('a lookup cut short by SIGKILL', () => {
  it('leaves a reservation that expires within a minute, not a failure: the right key then opens the number', async () => {
    for (let i = 0; i < 4; i++) expect((await apiCall(fx.base, token, 'POST', '/api/v1/lookup', { number: NUMBER, authKey: `WRONG${i}Z` })).status).toBe(404);
    const { child, url } = await serve();
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const fifth = apiCall(url, token, 'POST', '/api/v1/lookup', { number: NUMBER, authKey: 'WRONG4Z' }).catch((e: Error) => e);
    // kill it as soon as its attempt is reserved, while its key check is running
    while ((await fx.db.sql`select 1 from attempt_failures where subject = ${SUBJECT} and pending_until is not null`).length === 0) {
      await new Promise((r) => setTimeout(r, 2));
    }
    child.kill('SIGKILL');
    await exited;
    expect(await fifth).toBeInstanceOf(Error);

    const rows = await fx.db.sql<Array<{ pending: boolean; lasts: number }>>`
      select pending_until is not null as pending, extract(epoch from pending_until - at)::float as lasts
      from attempt_failures where subject = ${SUBJECT} order by id`;
    expect(rows.map((r) => r.pending)).toEqual([false, false, false, false, true]);
    expect(rows[4]!.lasts).toBeLessThanOrEqual(PENDING_EXPIRY_MS / 1000);
    // a minute later (moved back rather than waited for) it no longer counts
    await fx.db
      .sql`update attempt_failures set pending_until = now() - interval '1 second', at = at - interval '1 minute' where subject = ${SUBJECT} and pending_until is not null`;
    expect((await apiCall(fx.base, token, 'POST', '/api/v1/lookup', { number: NUMBER, authKey: KEY })).status).toBe(200);
  }, 120_000);
});
