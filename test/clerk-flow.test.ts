import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, type ReferenceIssuer } from '../reference-issuer/index.js';
import type { TestDatabase } from './helpers/db.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';
import { WebClient } from './helpers/web-client.js';

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let hiroshima: { password: string; token: string };
let okayama: { password: string; token: string };

const KEY = 'QW12-ER34-TY56';
async function issue(number: string, key = KEY, obligee?: { name: string; code: string }) {
  const s = await issuer.sign(CERTIFICATE_EVENT, await certificate(number, key, 'advance_payment', 4, obligee));
  const res = await issuer.push(`${base}/sets`, s.token);
  expect(res.status).toBe(202);
}
const api = (token: string, method: string, path: string, body?: unknown) => apiCall(base, token, method, path, body);

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer, base } = fx);
  hiroshima = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [
    { username: 'tanaka', role: 'clerk' },
    { username: 'kansa', role: 'auditor' },
  ]);
  okayama = await seedOrganisation(db.sql, { id: 'okayama', name: '岡山県', code: '330001' }, [{ username: 'yamada', role: 'clerk' }]);
  await issue('2070004426');
  await issue('2070005555', 'OK12-AY34', { name: '岡山県知事', code: '330001' });
});
afterAll(async () => {
  await fx?.close();
});

describe('a clerk signs in, looks a certificate up, views it and signs out', () => {
  it('works end to end with full-width input, and logout really ends the session', async () => {
    const web = new WebClient(base);
    expect((await web.get('/')).status).toBe(303); // not signed in → login page
    const login = await web.login('tanaka', hiroshima.password);
    expect(login.setCookies.find((c) => c.startsWith('shosho_session='))).toMatch(/HttpOnly/i);
    expect(login.setCookies.find((c) => c.startsWith('shosho_session='))).toMatch(/SameSite=Strict/i);

    const res = await web.post('/lookup', { number: '２０７０ー００４４２６', authKey: 'qw12 er34－ty56' });
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/certificates\/[0-9a-f-]{36}$/);
    const page = await web.get(location);
    expect(page.status).toBe(200);
    expect(page.text).toContain('前払金保証証書');
    expect(page.text).toContain('2070004426');
    expect(page.text).toMatch(/金[0-9,]+円/);
    expect(page.text).toContain('令和6年6月3日');
    expect(page.text).toContain('JST');

    const cookie = web.cookies.get('shosho_session');
    expect((await web.post('/logout', {})).status).toBe(303);
    const stale = new WebClient(base);
    stale.cookies.set('shosho_session', cookie!);
    expect((await stale.get(location)).status).toBe(303); // back to the login page
  });

  it('a wrong password is refused with one message and no session', async () => {
    const web = new WebClient(base);
    await web.get('/login');
    const res = await web.post('/login', { username: 'tanaka', password: 'not-the-password' });
    expect(res.status).toBe(401);
    expect(web.cookies.has('shosho_session')).toBe(false);
    const unknown = await web.post('/login', { username: 'nobody', password: 'not-the-password' });
    expect(unknown.status).toBe(401);
  });

  it('a new session id at login: a planted cookie never becomes a session (no fixation)', async () => {
    const web = new WebClient(base);
    web.cookies.set('shosho_session', 'A'.repeat(43));
    await web.login('tanaka', hiroshima.password);
    expect(web.cookies.get('shosho_session')).not.toBe('A'.repeat(43));
    const first = web.cookies.get('shosho_session')!;
    await web.login('tanaka', hiroshima.password); // signing in again ends the earlier session
    const old = new WebClient(base);
    old.cookies.set('shosho_session', first);
    expect((await old.get('/')).status).toBe(303);
  });
});

describe('sessions end', () => {
  it('after 30 idle minutes, and 12 hours after sign-in whatever the activity', async () => {
    const web = new WebClient(base);
    await web.login('tanaka', hiroshima.password);
    expect((await web.get('/')).status).toBe(200);
    await db.sql`update sessions set last_seen_at = now() - interval '31 minutes' where ended_at is null and user_id = (select id from users where username = 'tanaka')`;
    expect((await web.get('/')).status).toBe(303);
    await web.login('tanaka', hiroshima.password);
    await db.sql`update sessions set expires_at = now() - interval '1 second' where ended_at is null and user_id = (select id from users where username = 'tanaka')`;
    expect((await web.get('/')).status).toBe(303);
  });

  it('five wrong passwords lock the account for a while (429 with Retry-After), even for the right password', async () => {
    await seedOrganisation(db.sql, { id: 'throttle', name: '検証', code: '999999' }, [{ username: 'guessme', role: 'clerk' }]);
    const web = new WebClient(base);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      await web.get('/login');
      statuses.push((await web.post('/login', { username: 'guessme', password: `wrong-${i}-password` })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    await web.get('/login');
    const right = await web.post('/login', { username: 'guessme', password: 'pw-throttle-correct-horse' });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('CSRF', () => {
  it('refuses a form without its token, with a wrong token, and from another origin', async () => {
    const web = new WebClient(base);
    await web.login('tanaka', hiroshima.password);
    const form = { number: '2070004426', authKey: KEY };
    expect((await web.post('/lookup', form, { csrf: null })).status).toBe(403);
    expect((await web.post('/lookup', form, { csrf: 'x'.repeat(43) })).status).toBe(403);
    const cross = await web.request('POST', '/lookup', { form: { ...form, _csrf: web.csrf() }, headers: { origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
    expect((await web.post('/lookup', form)).status).toBe(303);
  });

  it('refuses a login form without the pre-session token', async () => {
    const web = new WebClient(base);
    expect((await web.post('/login', { username: 'tanaka', password: hiroshima.password }, { csrf: null })).status).toBe(403);
  });
});

describe('lookup answers (SPEC §3, §4)', () => {
  it('unknown number and wrong key give the same 404 and the same body', async () => {
    const unknown = await api(hiroshima.token, 'POST', '/api/v1/lookup', { number: '2999999999', authKey: 'AAAA-BBBB' });
    const wrong = await api(hiroshima.token, 'POST', '/api/v1/lookup', { number: '2070004426', authKey: 'AAAA-BBBB' });
    expect(unknown.status).toBe(404);
    expect(wrong.status).toBe(404);
    expect(unknown.json).toEqual(wrong.json);
    expect(unknown.json.error.code).toBe('not_found');
  });

  it('malformed input is 422 naming the field, and is not counted as a failure', async () => {
    for (let i = 0; i < 8; i++) {
      const r = await api(hiroshima.token, 'POST', '/api/v1/lookup', { number: '12-34', authKey: KEY });
      expect(r.status).toBe(422);
      expect(r.json.error.code).toBe('malformed_number');
    }
    const badKey = await api(hiroshima.token, 'POST', '/api/v1/lookup', { number: '2070004426', authKey: 'き' });
    expect(badKey.json.error.code).toBe('malformed_auth_key');
    expect((await api(hiroshima.token, 'POST', '/api/v1/lookup', { number: '2070004426', authKey: KEY })).status).toBe(200);
  });

  it('the form shows a malformed number at its field, tied with aria-describedby', async () => {
    const web = new WebClient(base);
    await web.login('tanaka', hiroshima.password);
    const res = await web.post('/lookup', { number: '12', authKey: KEY });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/aria-invalid="true"/);
    expect(res.text).toMatch(/aria-describedby="[^"]*number/);
  });

  it('20 wrong keys in a row never unlock anything and end in 429; the right key is locked out too, until it expires', async () => {
    await issue('2070006666');
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      statuses.push((await api(hiroshima.token, 'POST', '/api/v1/lookup', { number: '2070006666', authKey: `WRONG${String(i).padStart(3, '0')}` })).status);
    }
    expect(statuses.slice(0, 5)).toEqual([404, 404, 404, 404, 404]);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
    const right = await api(hiroshima.token, 'POST', '/api/v1/lookup', { number: '2070006666', authKey: KEY });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(800);
    const [unlocked] =
      await db.sql`select count(*)::int as n from unlocks u join certificate_revisions r on r.id = u.revision_id where r.number = '2070006666'`;
    expect(unlocked!.n).toBe(0);
    // another organisation is not locked out of the same number
    expect((await api(okayama.token, 'POST', '/api/v1/lookup', { number: '2070006666', authKey: 'ZZZZ-ZZZZ' })).status).toBe(404);
    // fifteen minutes after the last failure the lock is gone
    await db.sql`update attempt_failures set at = at - interval '16 minutes' where subject = 'hiroshima:2070006666'`;
    expect((await api(hiroshima.token, 'POST', '/api/v1/lookup', { number: '2070006666', authKey: KEY })).status).toBe(200);
  });

  it('concurrent guesses cannot slip past the limit', async () => {
    await issue('2070007777');
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        api(hiroshima.token, 'POST', '/api/v1/lookup', { number: '2070007777', authKey: `GUESS${String(i).padStart(3, '0')}` }),
      ),
    );
    // a machine too slow to check them all in time answers some 503 (busy, not counted) instead of 429
    expect(results.filter((r) => r.status === 404).length).toBeLessThanOrEqual(5);
    expect(results.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    expect(results.filter((r) => [404, 429, 503].includes(r.status)).length).toBe(16);
    // the attempts a busy answer gave back may be made again: the number locks after 5 failures in all
    let tries = results.filter((r) => r.status === 404).length;
    while ((await api(hiroshima.token, 'POST', '/api/v1/lookup', { number: '2070007777', authKey: `AGAIN${tries}` })).status === 404) tries++;
    expect(tries).toBe(5);
  });

  it('the browser form answers a lockout with 429 and Retry-After', async () => {
    const web = new WebClient(base);
    await web.login('tanaka', hiroshima.password);
    const res = await web.post('/lookup', { number: '2070007777', authKey: KEY });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe('organisations are isolated', () => {
  it('another organisation reaches nothing: certificate ids, PDFs and API tokens give 404; the right key for another obligee gives 403 without content', async () => {
    const mine = await api(hiroshima.token, 'POST', '/api/v1/lookup', { number: '2070004426', authKey: KEY });
    expect(mine.status).toBe(200);
    const id = mine.json.id;
    expect((await api(okayama.token, 'GET', `/api/v1/certificates/${id}`)).status).toBe(404);
    expect((await api(okayama.token, 'GET', `/api/v1/certificates/${id}/pdf`)).status).toBe(404);
    const web = new WebClient(base);
    await web.login('yamada', okayama.password);
    expect((await web.get(`/certificates/${id}`)).status).toBe(404);
    expect((await web.get(`/certificates/${id}/pdf`)).status).toBe(404);

    const other = await api(okayama.token, 'POST', '/api/v1/lookup', { number: '2070004426', authKey: KEY });
    expect(other.status).toBe(403);
    expect(other.json.error.code).toBe('other_obligee');
    expect(other.text).not.toContain('芦田川');
    expect((await api(okayama.token, 'GET', `/api/v1/certificates/${id}`)).status).toBe(404);
  });

  it('an unknown, revoked or missing API token is 401', async () => {
    expect((await api(`shosho_${'x'.repeat(43)}`, 'GET', '/api/v1/certificates/00000000-0000-0000-0000-000000000000')).status).toBe(401);
    const res = await fetch(`${base}/api/v1/lookup`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });
});

describe('the JSON API (SPEC §4)', () => {
  it('returns the certificate without its digest, the issuer, status and verification; the id then opens without a key', async () => {
    const r = await api(hiroshima.token, 'POST', '/api/v1/lookup', { number: '2070004426', authKey: KEY });
    expect(r.json).toMatchObject({
      status: 'current',
      issuer: { id: 'wjcs' },
      verification: { alg: 'ES256' },
      certificate: { number: '2070004426', revision: 0 },
    });
    expect(r.text).not.toContain('scrypt');
    const again = await api(hiroshima.token, 'GET', `/api/v1/certificates/${r.json.id}`);
    expect(again.json).toEqual(r.json);
  });

  it('every action is in the audit log with actor, organisation and request id', async () => {
    const rows = await db.sql`select action, outcome, actor, org_id, request_id from audit_log where action in ('lookup', 'login', 'certificate.view')`;
    expect(rows.some((r) => r.action === 'lookup' && r.outcome === 'locked' && r.org_id === 'hiroshima')).toBe(true);
    expect(rows.some((r) => r.action === 'login' && r.outcome === 'failure')).toBe(true);
    expect(rows.every((r) => r.request_id)).toBe(true);
    const keys = await db.sql`select count(*)::int as n from audit_log where detail::text ilike ${`%${KEY}%`} or detail::text ilike '%QW12%'`;
    expect(keys[0]!.n).toBe(0);
  });
});
