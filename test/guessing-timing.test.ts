import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authKeyDigest, CERTIFICATE_EVENT, changeRevision, type ReferenceIssuer } from '../reference-issuer/index.js';
import type { TestDatabase } from './helpers/db.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';

// SPEC §3: nothing tells an unknown number from a wrong key, not the time taken, whatever number
// of revisions the number has and whatever their digests cost: the median times differ by < 20%.

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let token: string;

const ROUNDS = 11;

/** A number with `revisions` revisions, each with its own key, the digests at `ln`. */
async function issueRevisions(number: string, revisions: number, ln: number) {
  let payload = { ...(await certificate(number, `K0-${number}`)), authKeyDigest: await authKeyDigest(`K0-${number}`, ln) };
  for (let r = 0; r < revisions; r++) {
    if (r > 0) payload = changeRevision(payload, r, await authKeyDigest(`K${r}-${number}`, ln), `2024-07-${String(r).padStart(2, '0')}`);
    const s = await issuer.sign(CERTIFICATE_EVENT, payload);
    expect((await issuer.push(`${base}/sets`, s.token)).status).toBe(202);
  }
}

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer, base } = fx);
  ({ token } = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [{ username: 'tanaka', role: 'clerk' }]));
  await issueRevisions('2071000001', 1, 15);
  await issueRevisions('2071000004', 4, 15);
  await issueRevisions('2071000008', 8, 15);
  await issueRevisions('2071000016', 1, 16);
  await issueRevisions('2071000014', 8, 14);
});
afterAll(async () => {
  await fx?.close();
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Key derivations done so far, as /metrics reports them. */
async function derivations(): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^shosho_scrypt\{state="done"\} (\d+)$/m.exec(text)![1]);
}

describe('a wrong key takes the same time whatever the number', () => {
  it('unknown number vs 1, 4 and 8 revisions (ln=15, the common cost), one revision at ln=16 and 8 at ln=14: medians within 20%', async () => {
    const subjects = { unknown: '2079999999', rev1: '2071000001', rev4: '2071000004', rev8: '2071000008', ln16: '2071000016', ln14: '2071000014' };
    const names = Object.keys(subjects) as Array<keyof typeof subjects>;
    const times = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<keyof typeof subjects, number[]>;
    const work = Object.fromEntries(names.map((n) => [n, new Set<number>()])) as Record<keyof typeof subjects, Set<number>>;
    for (let round = 0; round < ROUNDS; round++) {
      // interleaved, each round starting elsewhere, so a busy spell of the machine hits every subject alike
      for (let i = 0; i < names.length; i++) {
        const name = names[(round + i) % names.length]!;
        const before = await derivations();
        const started = performance.now();
        const res = await apiCall(base, token, 'POST', '/api/v1/lookup', { number: subjects[name], authKey: 'WRONG-KEY-0000' });
        times[name].push(performance.now() - started);
        work[name].add((await derivations()) - before);
        expect(res.status).toBe(404);
      }
      await db.sql`delete from attempt_failures`; // stay below every lockout
    }
    // the same work: eight derivations at ln=15, digests first, padding after (ln=14 and 16 are padded
    // by what they cost on this machine, so their count of derivations varies)
    expect([...work.unknown, ...work.rev1, ...work.rev4, ...work.rev8]).toEqual([8, 8, 8, 8]);
    expect(Math.min(...work.ln14)).toBeGreaterThan(8);
    const reference = median(times.unknown);
    const ratios = Object.fromEntries(names.map((n) => [n, median(times[n]) / reference]));
    for (const n of names) expect(Math.abs(ratios[n]! - 1), `${n}: ${JSON.stringify(ratios)}`).toBeLessThan(0.2);
  }, 600_000);
});
