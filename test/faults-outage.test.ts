import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceIssuer } from '../reference-issuer/index.js';
import { verifyAuditChain } from '../src/auditlog/index.js';
import { apiLookupAnswer, serveBehindProxy } from './helpers/behind-proxy.js';
import type { TestDatabase } from './helpers/db.js';
import type { PgProxy } from './helpers/pg-proxy.js';
import type { ServeProcess } from './helpers/serve-process.js';
import { SetLoad } from './helpers/set-load.js';
import { SESSION_COOKIE } from '../src/web/middleware/auth.js';

let db: TestDatabase;
let issuer: ReferenceIssuer;
let svc: ServeProcess;
let proxy: PgProxy;
let close: () => Promise<void>;
let died: Promise<never>;

beforeAll(async () => {
  ({ db, issuer, svc, proxy, close } = await serveBehindProxy({ issuerId: 'outage' }));
  died = svc.exited.then((code) => {
    throw new Error(`shosho serve exited (${code}):\n${svc.stderr().slice(-2000)}`);
  });
  died.catch(() => {});
}, 60_000);
afterAll(() => close?.());

/** Resolves once `done()` holds; fails if the service exits meanwhile. */
async function until(done: () => Promise<boolean>): Promise<void> {
  while (!(await done())) {
    if (!svc.alive()) throw new Error(`shosho serve exited:\n${svc.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const push = (token: string) => fetch(`${svc.url}/sets`, { method: 'POST', headers: { 'content-type': 'application/secevent+jwt' }, body: token });

/** Every SET stored is whole: its revision and its audit entry committed with it, nothing else. */
async function expectWholeWrites(load: SetLoad) {
  const rows = await db.sql<{ jti: string }[]>`select jti from received_sets where issuer_id = 'outage'`;
  const stored = new Set(rows.map((r) => r.jti));
  expect([...load.accepted].filter((j) => !stored.has(j))).toEqual([]); // nothing acknowledged is lost
  const [counts] = await db.sql<{ sets: number; revisions: number; audited: number; orphans: number }[]>`
    select (select count(*)::int from received_sets where issuer_id = 'outage') as sets,
           (select count(*)::int from certificate_revisions where issuer_id = 'outage') as revisions,
           (select count(*)::int from audit_log where action = 'feed.ingest' and outcome = 'stored' and actor = 'issuer:outage') as audited,
           (select count(*)::int from received_sets s where issuer_id = 'outage'
              and not exists (select 1 from certificate_revisions r where r.set_id = s.id)) as orphans`;
  expect(counts).toEqual({ sets: stored.size, revisions: stored.size, audited: stored.size, orphans: 0 });
  expect((await verifyAuditChain(db.sql)).intact).toBe(true);
}

describe('a database outage', () => {
  it('behind a partition (nothing closed, nothing answered): 503 with Retry-After instead of hanging, recovery when it heals, no half write', async () => {
    const load = new SetLoad(svc.url, await SetLoad.signed(issuer, 3000, 5_300_000_000));
    load.start(6);
    try {
      await Promise.race([load.until(() => load.accepted.size >= 20, died, 'load'), died]);
      proxy.partition(); // mid-load: commits in flight are held, as a dead switch would
      await Promise.race([load.until(() => (load.statuses.get(503) ?? 0) > 0, died, 'the first 503'), died]);

      // once the service knows (its probe got no answer), a new request is refused without waiting
      await until(async () => /^shosho_db_reachable\{kind="postgres"\} 0$/m.test(await (await fetch(`${svc.url}/metrics`)).text()));
      const refused = await push(load.sets[0]!.token);
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await fetch(`${svc.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${svc.url}/healthz`)).status).toBe(200); // alive: a supervisor must not restart it

      proxy.heal();
      const accepted = load.accepted.size;
      await Promise.race([load.until(() => load.accepted.size > accepted + 20, died, 'recovery'), died]);
    } finally {
      await load.stop();
    }
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${svc.url}/metrics`)).text()).toMatch(/^shosho_db_reachable\{kind="postgres"\} 1$/m);
    expect([...load.statuses.keys()].filter((s) => s !== 202 && s !== 503)).toEqual([]);
    expect(proxy.violations).toEqual([]); // nothing held for a dead session was sent on a live one
    await expectWholeWrites(load);
  }, 120_000);

  it('refused connections (database down): 503 with Retry-After, the API in its JSON form, recovery when it is back', async () => {
    await proxy.down();
    expect(await apiLookupAnswer(svc.url)).toEqual({ status: 503, retryAfter: '5', code: 'database_unavailable' });
    const page = await fetch(`${svc.url}/archive`, { headers: { cookie: `${SESSION_COOKIE}=${'a'.repeat(43)}`, accept: 'text/html' } });
    expect(page.status).toBe(503); // the session cannot be checked: the error page, in Japanese first
    expect(page.headers.get('retry-after')).toBe('5');
    expect(await page.text()).toContain('データベースに接続できない');

    await proxy.up();
    const load = new SetLoad(svc.url, await SetLoad.signed(issuer, 20, 5_400_000_000));
    load.start(2);
    try {
      await Promise.race([load.until(() => load.accepted.size === 20, died, 'recovery'), died]);
    } finally {
      await load.stop();
    }
    expect(svc.alive()).toBe(true);
  }, 60_000);
});
