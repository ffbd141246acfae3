import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT } from '../reference-issuer/index.js';
import { createLogin, ScryptPool } from '../src/auth/index.js';
import { ConfigError, defaultScryptConcurrency, loadConfig } from '../src/config/index.js';
import { createLookup } from '../src/lookup/index.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';

// SPEC §3: a service too busy to check a key answers 503 with Retry-After and counts nothing;
// a flood of sign-ins does not starve lookups.

let fx: ServiceFixture;
let token: string;
const KEY = 'QW12-ER34-TY56';

beforeAll(async () => {
  fx = await serviceWithIssuer({ SHOSHO_TRUST_PROXY: 'true' });
  ({ token } = await seedOrganisation(fx.db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [{ username: 'tanaka', role: 'clerk' }]));
  for (const number of ['2072000001', '2072000002', '2072000003']) {
    const s = await fx.issuer.sign(CERTIFICATE_EVENT, await certificate(number, KEY));
    expect((await fx.issuer.push(`${fx.base}/sets`, s.token)).status).toBe(202);
  }
});
afterAll(async () => {
  await fx?.close();
});

describe('a flood of sign-ins', () => {
  it("300 logins from 300 addresses: 401 or 503 with Retry-After (never 500), no failure counted for a 503, and clerks' lookups meanwhile succeed", async () => {
    const res = await fetch(`${fx.base}/login`);
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
    const logins = Array.from({ length: 300 }, (_, i) =>
      fetch(`${fx.base}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `10.1.${i >> 8}.${i & 255}` },
        body: new URLSearchParams({ username: `flood${i}`, password: 'not-the-password', _csrf: csrf }).toString(),
      }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.text() })),
    );
    const lookups = ['2072000001', '2072000002', '2072000003'].map((number) => apiCall(fx.base, token, 'POST', '/api/v1/lookup', { number, authKey: KEY }));
    const [answers, found] = await Promise.all([Promise.all(logins), Promise.all(lookups)]);

    expect(found.map((r) => r.status)).toEqual([200, 200, 200]);
    const statuses = new Set(answers.map((a) => a.status));
    expect([...statuses].every((s) => s === 401 || s === 503)).toBe(true);
    const busy = answers.filter((a) => a.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    expect(busy.every((a) => Number(a.retryAfter) > 0)).toBe(true);
    expect(busy[0]!.body).toContain('混み合っている');
    const [counted] = await fx.db.sql<[{ n: number }]>`
      select count(*)::int as n from attempt_failures where scope = 'login-client' and subject like '10.1.%'`;
    expect(counted.n).toBe(answers.filter((a) => a.status === 401).length);
  }, 300_000);
});

describe('a sign-in too busy for its first dummy check', () => {
  it('answers busy, and the next sign-in of an unknown user is checked as usual', async () => {
    const pool = new ScryptPool(1, { maxQueue: { lookup: 1, login: 1, other: 0 } });
    const login = createLogin(fx.db.sql, pool);
    let open!: () => void;
    const holding = pool.run('other', () => new Promise<void>((resolve) => (open = resolve)));
    expect(await login('nobody-at-all', 'whatever password', '192.0.2.50')).toMatchObject({ ok: false, reason: 'busy' });
    open();
    await holding;
    expect(await login('nobody-at-all', 'whatever password', '192.0.2.51')).toEqual({ ok: false, reason: 'invalid' });
    await pool.close();
  });
});

describe('a lookup too busy to check its key', () => {
  it('answers busy and leaves nothing counted, while the lookup ahead of it is decided as usual', async () => {
    const pool = new ScryptPool(1, { maxQueue: { lookup: 1, login: 1, other: 1 } });
    const lookup = createLookup({ sql: fx.db.sql, pool });
    let open!: () => void;
    const holding = pool.run('other', () => new Promise<void>((resolve) => (open = resolve)));
    const who = { orgId: 'hiroshima', actor: 'tanaka', client: '192.0.2.1' };
    const ahead = lookup({ ...who, number: '2072999991', authKey: 'WRONG-KEY-1' });
    while (pool.stats().queued < 1) await new Promise((r) => setTimeout(r, 5)); // its key check is queued
    expect(await lookup({ ...who, number: '2072999992', authKey: 'WRONG-KEY-2' })).toEqual({ status: 'busy', retryAfterSeconds: 5 });
    open();
    await holding;
    expect(await ahead).toEqual({ status: 'not_found' });
    const rows = await fx.db.sql<
      { subject: string }[]
    >`select subject from attempt_failures where scope = 'lookup-number' and subject like 'hiroshima:207299999%'`;
    expect(rows.map((r) => r.subject)).toEqual(['hiroshima:2072999991']);
  });
});

describe('key checks leave a core to the rest', () => {
  it('default to every core but one (at least one), and refuse more threads than cores, whatever libuv has', () => {
    expect(defaultScryptConcurrency(16)).toBe(15);
    expect(defaultScryptConcurrency(2)).toBe(1);
    expect(defaultScryptConcurrency(1)).toBe(1);
    expect(loadConfig({}, 2).scryptConcurrency).toBe(1);
    expect(loadConfig({ SHOSHO_SCRYPT_CONCURRENCY: '2' }, 2).scryptConcurrency).toBe(2);
    expect(() => loadConfig({ SHOSHO_SCRYPT_CONCURRENCY: '3' }, 2)).toThrow(ConfigError);
    expect(() => loadConfig({ SHOSHO_SCRYPT_CONCURRENCY: '3' }, 2)).toThrow(/SHOSHO_SCRYPT_CONCURRENCY must be at most the cores \(2\)/);
    // scrypt no longer runs on libuv's pool, so its size is no limit
    expect(loadConfig({ SHOSHO_SCRYPT_CONCURRENCY: '4', UV_THREADPOOL_SIZE: '2' }, 4).scryptConcurrency).toBe(4);
  });
});
