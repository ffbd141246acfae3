import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushAuditRollups, FULL_ENTRIES_PER_MINUTE, verifyAuditChain } from '../src/auditlog/index.js';
import { serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';

// Issue 11: what clients that are not signed in can append to the append-only audit log is
// bounded, and the auditor still sees every attempt counted.

let fx: ServiceFixture;

beforeAll(async () => {
  fx = await serviceWithIssuer();
});
afterAll(async () => {
  await fx?.close();
});

interface Summary {
  minuteFrom: string;
  writtenInFull: number;
  notWritten: number;
  tally: Record<string, number>;
}

async function entries(action: string, outcome: string) {
  return fx.db.sql<Array<{ actor: string; client: string; detail: { err?: string; summary?: Summary } }>>`
    select actor, client, detail from audit_log where action = ${action} and outcome = ${outcome} order by seq`;
}

describe('refused pushes from one client', () => {
  it('200 refusals append at most 10 entries a minute in full, then one summary that counts the rest by refusal code', async () => {
    const pushes = await Promise.all(
      Array.from({ length: 200 }, () =>
        fetch(`${fx.base}/sets`, { method: 'POST', headers: { 'content-type': 'application/secevent+jwt' }, body: 'not.a.set' }).then((r) => r.status),
      ),
    );
    expect(pushes.every((s) => s === 400)).toBe(true);
    const full = await entries('feed.ingest', 'refused');
    const minutes = new Set(
      (await fx.db.sql<{ w: Date }[]>`select window_start as w from audit_rollups where action = 'feed.ingest'`).map((r) => r.w.getTime()),
    );
    expect(full.length).toBeLessThanOrEqual(FULL_ENTRIES_PER_MINUTE * minutes.size);

    expect(await flushAuditRollups(fx.db.sql, { all: true })).toBeGreaterThan(0);
    const after = await entries('feed.ingest', 'refused');
    const summaries = after.filter((e) => e.detail.summary);
    expect(summaries.every((s) => s.actor === '(summary)' && s.client === full[0]!.client)).toBe(true);
    const notWritten = summaries.reduce((n, s) => n + s.detail.summary!.notWritten, 0);
    expect(after.length - summaries.length + notWritten).toBe(200);
    expect(summaries.reduce((n, s) => n + (s.detail.summary!.tally.invalid_request ?? 0), 0)).toBe(notWritten);
    expect((await verifyAuditChain(fx.db.sql)).intact).toBe(true);
    expect(await fx.db.sql`select 1 from audit_rollups`).toHaveLength(0);
  }, 120_000);
});

describe('failed logins from one client', () => {
  it("are written in full up to the minute's allowance, the rest counted per username tried", async () => {
    const res = await fetch(`${fx.base}/login`);
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
    const tries = 2 * FULL_ENTRIES_PER_MINUTE + 3; // more than a minute's allowance even if the tries straddle two minutes
    for (let i = 0; i < tries; i++) {
      const r = await fetch(`${fx.base}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: `guess${i}`, password: 'wrong-password', _csrf: csrf }).toString(),
      });
      expect(r.status).toBe(401);
    }
    await flushAuditRollups(fx.db.sql, { all: true });
    const all = await entries('login', 'failure');
    const summaries = all.filter((e) => e.detail.summary);
    const named = all.filter((e) => !e.detail.summary).map((e) => e.actor);
    const counted = Object.assign({}, ...summaries.map((s) => s.detail.summary!.tally)) as Record<string, number>;
    // every username tried is there: in an entry of its own or counted in a summary
    expect([...named, ...Object.keys(counted)].sort()).toEqual(Array.from({ length: tries }, (_, i) => `guess${i}`).sort());
    expect(named.length).toBeLessThan(tries);
  }, 120_000);
});
