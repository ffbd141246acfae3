import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReceiver, findIssuer, ingest, KeyStore, pollOnce, verifySet } from '../src/feed/index.js';
import { silentLogger } from '../src/log/index.js';
import { CERTIFICATE_EVENT, signSet, type ReferenceIssuer } from '../reference-issuer/index.js';
import type { TestDatabase } from './helpers/db.js';
import { serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate } from './helpers/issuer.js';
import { AUDIENCE } from './helpers/service.js';

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer } = fx);
});
afterAll(async () => {
  await fx?.close();
});

const push = async (token: string) => {
  const res = await fetch(`${fx.base}/sets`, { method: 'POST', headers: { 'content-type': 'application/secevent+jwt' }, body: token });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};
const storedCount = async () => (await db.sql`select count(*)::int as n from received_sets`)[0]!.n as number;
let serial = 0;
const nextNumber = () => String(5_100_000_000 + ++serial);

type Payload = Awaited<ReturnType<typeof certificate>>;
/** Each case puts one forbidden character into one text of the event and names the field the refusal must name. */
const forbidden: Array<[string, (p: Payload) => void, string]> = [
  [
    'U+0000 (NUL) in the contractor name',
    (p) => {
      p.contractor.name = '株式会社\u0000山田組';
    },
    'contractor.name',
  ],
  [
    'U+001B (ESC) in the guarantor office',
    (p) => {
      p.guarantor.office = '広島\u001B[31m支店';
    },
    'guarantor.office',
  ],
  [
    'U+000A (line feed) in the project name',
    (p) => {
      p.project.name = '道路改良\n工事';
    },
    'project.name',
  ],
  [
    'U+0009 (tab) in the obligee name',
    (p) => {
      p.obligee.name = '広島県\t知事';
    },
    'obligee.name',
  ],
  [
    'U+007F (DEL) in the project location',
    (p) => {
      p.project.location = '広島県\u007F';
    },
    'project.location',
  ],
  [
    'U+0085 (NEL, a C1 control) in the notes',
    (p) => {
      p.notes = '特約\u0085事項';
    },
    'notes',
  ],
  [
    'U+0000 in the notes',
    (p) => {
      p.notes = '特約\u0000';
    },
    'notes',
  ],
  [
    'U+202E (right-to-left override) in the project name',
    (p) => {
      p.project.name = '工事\u202Eｺｺ';
    },
    'project.name',
  ],
  [
    'U+2066 (left-to-right isolate) in the contractor address',
    (p) => {
      p.contractor.address = '\u2066広島市';
    },
    'contractor.address',
  ],
  [
    'U+2069 (pop directional isolate) in a changes entry',
    (p) => {
      (p as { changes?: string[] }).changes = ['guarantee.amount\u2069'];
    },
    'changes.0',
  ],
];

async function signedWith(edit: (p: Payload) => void, opts: { jti?: string } = {}) {
  const payload = structuredClone(await certificate(nextNumber(), 'AB12CD34'));
  edit(payload);
  return issuer.sign(CERTIFICATE_EVENT, payload, opts);
}

describe('control and bidirectional characters in a SET (SPEC §2)', () => {
  it.each(forbidden)('push: %s is refused as invalid_request naming the field, and nothing is stored', async (_, edit, field) => {
    const before = await storedCount();
    const { token } = await signedWith(edit);
    const res = await push(token);
    expect(res.status).toBe(400);
    expect(res.body.err).toBe('invalid_request');
    expect(res.body.description).toContain(`${CERTIFICATE_EVENT}.${field}:`);
    expect(await storedCount()).toBe(before);
  });

  it('push: a control character in the jti or in the header is refused too', async () => {
    const inJti = await signedWith(() => {}, { jti: `jti\u0000${serial}` });
    const res = await push(inJti.token);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ err: 'invalid_request', description: expect.stringContaining('jti:') });
  });

  it('push: a NUL in iss, read before the signature to find the issuer, is refused, not a failure of shosho', async () => {
    const payload = await certificate(nextNumber(), 'AB12CD34');
    const s = await signSet({ iss: `${issuer.iss}\u0000`, aud: AUDIENCE, key: issuer.signingKey, event: CERTIFICATE_EVENT, payload });
    const res = await push(s.token);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ err: 'invalid_request', description: expect.stringContaining('iss:') });
  });

  it('push: tab and line feed are allowed in the notes, and kept as sent', async () => {
    const { token, jti } = await signedWith((p) => {
      p.notes = '特約事項\n\t一、前払金は工事以外に使用しないこと。';
    });
    expect((await push(token)).status).toBe(202);
    const [row] = await db.sql`select r.payload->>'notes' as notes from certificate_revisions r join received_sets s on s.id = r.set_id where s.jti = ${jti}`;
    expect(row!.notes).toBe('特約事項\n\t一、前払金は工事以外に使用しないこと。');
  });

  it('poll: each bad SET is reported in setErrs with its field, the rest of the batch is stored and acknowledged', async () => {
    const good = await Promise.all(Array.from({ length: 6 }, () => signedWith(() => {})));
    const bad = await Promise.all(forbidden.slice(0, 4).map(([, edit]) => signedWith(edit)));
    // interleaved, so a bad SET sits in the middle of the batch
    for (let i = 0; i < good.length; i++) {
      issuer.enqueue(good[i]!);
      if (bad[i]) issuer.enqueue(bad[i]!);
    }
    issuer.enqueue({ jti: 'not-a-string', token: 42 as never });
    const keys = new KeyStore(db.sql, { log: silentLogger });
    const receiver = createReceiver({ sql: db.sql, keys, audience: AUDIENCE, log: silentLogger });
    const summary = await pollOnce((await findIssuer(db.sql, { id: 'wjcs' }))!, { sql: db.sql, receiver, log: silentLogger, intervalMs: 1000 });
    expect(summary.stored).toBe(good.length);
    expect(good.every((s) => issuer.acknowledged.has(s.jti))).toBe(true);
    bad.forEach((s, i) => {
      expect(issuer.errors.get(s.jti)).toMatchObject({ err: 'invalid_request', description: expect.stringContaining(`${forbidden[i]![2]}:`) });
      expect(issuer.acknowledged.has(s.jti)).toBe(false);
    });
    expect(issuer.errors.get('not-a-string')?.err).toBe('invalid_request');
    expect(issuer.pending).toBe(0);
    const stored = await db.sql`select jti from received_sets where jti in ${db.sql([...good, ...bad].map((s) => s.jti))}`;
    expect(stored.map((r) => r.jti).sort()).toEqual(good.map((s) => s.jti).sort());
  });

  it('ingest: data the database refuses fails that SET alone, never the batch', async () => {
    const keys = new KeyStore(db.sql, { log: silentLogger });
    const ctx = { sql: db.sql, keys, audience: AUDIENCE };
    const sets = await Promise.all([signedWith(() => {}), signedWith(() => {}), signedWith(() => {})]);
    const verified = await Promise.all(
      sets.map(async (s) => {
        const v = await verifySet(s.token, ctx);
        if (!v.ok) throw new Error(v.description);
        return v.value;
      }),
    );
    // past every check, as a future rule change might let through: PostgreSQL cannot store U+0000 in jsonb
    const middle = verified[1]!;
    if (middle.event.type !== CERTIFICATE_EVENT) throw new Error('expected a certificate event');
    middle.event.payload.contractor.name = 'a\u0000b';
    const outcomes = await ingest(db.sql, verified, 'poll');
    expect(outcomes.map((o) => o.status)).toEqual(['stored', 'unstorable', 'stored']);
    const [audit] = await db.sql`select count(*)::int as n from audit_log where action = 'feed.ingest' and detail->>'jti' in ${db.sql(sets.map((s) => s.jti))}`;
    expect(audit!.n).toBe(3);
  });
});
