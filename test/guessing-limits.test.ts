import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, type ReferenceIssuer } from '../reference-issuer/index.js';
import { LOGIN_USER_LIMIT, PENDING_EXPIRY_MS, reserveAttempt } from '../src/auth/index.js';
import { NUMBER_LOCKOUT } from '../src/lookup/index.js';
import type { TestDatabase } from './helpers/db.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';
import { startTestService } from './helpers/service.js';

// SPEC §3: every limit holds under concurrent requests, behind proxies too; the lock lasts until
// 15 minutes after the last failure; attempts never decided, or decided right, never lock.

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let hiroshima: { password: string; token: string };

const KEY = 'QW12-ER34-TY56';
async function issue(number: string, key = KEY) {
  const s = await issuer.sign(CERTIFICATE_EVENT, await certificate(number, key));
  expect((await issuer.push(`${base}/sets`, s.token)).status).toBe(202);
}
const lookup = (number: string, authKey: string) => apiCall(base, hiroshima.token, 'POST', '/api/v1/lookup', { number, authKey });
const count = (list: Array<{ status: number }>, status: number) => list.filter((r) => r.status === status).length;

/** A login form as a browser holds it: the pre-session CSRF cookie and its token. */
async function loginForm(url: string) {
  const res = await fetch(`${url}/login`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
  return (username: string, password: string, forwardedFor?: string) =>
    fetch(`${url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
      body: new URLSearchParams({ username, password, _csrf: token }).toString(),
    }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), text: await r.text() }));
}

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer, base } = fx);
  hiroshima = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [{ username: 'tanaka', role: 'clerk' }]);
});
afterAll(async () => {
  await fx?.close();
});

describe('logins are throttled atomically', () => {
  it('30 wrong passwords and the right one at once for one user: at most 5 passwords are checked, and the right one does not slip in after them', async () => {
    const post = await loginForm(base);
    const burst = await Promise.all([...Array.from({ length: 30 }, (_, i) => post('tanaka', `wrong-password-${i}`)), post('tanaka', hiroshima.password)]);
    const checked = count(burst, 401) + count(burst, 303);
    expect(checked).toBeLessThanOrEqual(LOGIN_USER_LIMIT.limit);
    expect(count(burst, 401)).toBeGreaterThan(0);
    if (count(burst, 303) === 1) expect(count(burst, 401)).toBeLessThan(5); // right key decided before the fifth failure
    expect(count(burst, 429) + count(burst, 503)).toBe(31 - checked);
    expect(burst.filter((r) => r.status === 429).every((r) => Number(r.retryAfter) > 0)).toBe(true);
    const [failures] = await db.sql<[{ n: number }]>`
      select count(*)::int as n from attempt_failures where scope = 'login-user' and subject = 'tanaka' and pending_until is null`;
    expect(failures.n).toBe(count(burst, 401));
  });
});

describe('lookups are throttled atomically', () => {
  it('60 unknown numbers at once from one client: at most 30 are checked, the rest refused, none counted twice', async () => {
    const burst = await Promise.all(Array.from({ length: 60 }, (_, i) => lookup(String(3_900_000_000 + i), 'ZZZZ-ZZZZ-ZZZZ')));
    expect(count(burst, 404)).toBeLessThanOrEqual(30);
    expect(count(burst, 404)).toBeGreaterThan(0);
    expect(count(burst, 404) + count(burst, 429) + count(burst, 503)).toBe(60);
    const [failures] = await db.sql<[{ n: number }]>`
      select count(*)::int as n from attempt_failures where scope = 'lookup-client' and pending_until is null`;
    expect(failures.n).toBe(count(burst, 404));
    await db.sql`delete from attempt_failures`;
  }, 300_000);

  it('12 concurrent lookups with the right key all succeed: they never lock the number', async () => {
    await issue('2070001212');
    const burst = await Promise.all(Array.from({ length: 12 }, () => lookup('2070001212', KEY)));
    expect(burst.map((r) => r.status)).toEqual(Array(12).fill(200));
    const [left] = await db.sql<[{ n: number }]>`select count(*)::int as n from attempt_failures where subject = 'hiroshima:2070001212'`;
    expect(left.n).toBe(0);
  });
});

describe('the lock and Retry-After agree (until 15 minutes after the last failure)', () => {
  it('stays locked while the oldest failures leave the window, and lifts when the last one does', async () => {
    await issue('2070001515');
    for (let i = 0; i < 5; i++) expect((await lookup('2070001515', `WRONG${i}X`)).status).toBe(404);
    // failures 16, 15, 14, 13 and 3 minutes ago: four have left a 15-minute window ending now, but
    // five fall within 15 minutes of one another and the last was 3 minutes ago
    await db.sql`
      update attempt_failures f set at = now() - make_interval(mins => m.mins)
      from (select id, (array[16, 15, 14, 13, 3])[row_number() over (order by id)] as mins
            from attempt_failures where subject = 'hiroshima:2070001515') m
      where f.id = m.id`;
    const locked = await lookup('2070001515', KEY);
    expect(locked.status).toBe(429);
    expect(Math.abs(Number(locked.headers.get('retry-after')) - 12 * 60)).toBeLessThanOrEqual(5);
    await db.sql`update attempt_failures set at = at - interval '12 minutes 1 second' where subject = 'hiroshima:2070001515'`;
    expect((await lookup('2070001515', KEY)).status).toBe(200);
  });
});

describe('an attempt cut short never stays a failure', () => {
  it('a reservation never decided (a crash, a lost connection) expires within a minute and then does not count', async () => {
    await issue('2070001616');
    for (let i = 0; i < 4; i++) expect((await lookup('2070001616', `WRONG${i}Y`)).status).toBe(404);
    // what a lookup that died after reserving leaves behind: a reservation, never decided
    const cut = await reserveAttempt(db.sql, [{ scope: 'lookup-number', subject: 'hiroshima:2070001616', ...NUMBER_LOCKOUT }]);
    expect(cut.status).toBe('reserved');
    const [row] = await db.sql<[{ expires_in: number }]>`
      select extract(epoch from pending_until - now())::float as expires_in from attempt_failures where pending_until is not null`;
    expect(row.expires_in).toBeLessThanOrEqual(PENDING_EXPIRY_MS / 1000);
    await db.sql`update attempt_failures set pending_until = now() - interval '1 second' where pending_until is not null`;
    expect((await lookup('2070001616', KEY)).status).toBe(200);
  });
});

describe('behind a load balancer (SHOSHO_TRUST_PROXY=true)', () => {
  it('the client is the address the nearest proxy appended: rotating the leftmost X-Forwarded-For entry escapes no limit', async () => {
    const svc = await startTestService(db, { SHOSHO_TRUST_PROXY: 'true' });
    try {
      const post = await loginForm(svc.url);
      const burst = await Promise.all(Array.from({ length: 36 }, (_, i) => post(`nobody${i}`, 'wrong-password', `198.51.100.${i}, 203.0.113.7`)));
      expect(count(burst, 401)).toBeLessThanOrEqual(30);
      expect(count(burst, 401) + count(burst, 429) + count(burst, 503)).toBe(36);
      // a busy answer (503) on a slow machine is not a failure: rotating on from other "clients"
      // still ends in this client's lock after exactly 30 failures, never later
      let last = burst.find((r) => r.status === 429);
      for (let i = 0; !last && i <= 30 - count(burst, 401); i++) {
        const res = await post(`nobody-late${i}`, 'wrong-password', `192.0.2.${i}, 203.0.113.7`);
        if (res.status === 429) last = res;
        else expect(res.status).toBe(401);
      }
      expect(last?.status).toBe(429);
      const clients = await db.sql<{ client: string }[]>`select distinct client from audit_log where action = 'login' and actor like 'nobody%'`;
      expect(clients.map((c) => c.client)).toEqual(['203.0.113.7']);
    } finally {
      await svc.stop();
    }
  });

  it('SHOSHO_PROXY_HOPS=2 takes the second entry from the right', async () => {
    const svc = await startTestService(db, { SHOSHO_TRUST_PROXY: 'true', SHOSHO_PROXY_HOPS: '2' });
    try {
      const post = await loginForm(svc.url);
      expect((await post('hops-two', 'wrong-password', '10.9.9.9, 192.0.2.44, 203.0.113.7')).status).toBe(401);
      const [entry] = await db.sql<[{ client: string }]>`select client from audit_log where actor = 'hops-two'`;
      expect(entry.client).toBe('192.0.2.44');
    } finally {
      await svc.stop();
    }
  });
});
