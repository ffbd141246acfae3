import fc from 'fast-check';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertIssuer, KeyStore, removeIssuer, parseJwks, storeKeys, verifySet, type IngestOutcome, type VerifiedSet } from '../src/feed/index.js';
import { ingest, ingestPerSet } from '../src/feed/ingest.js';
import { silentLogger } from '../src/log/index.js';
import { CERTIFICATE_EVENT, changeRevision, generateSigningKey, jwks, signSet, WITHDRAWN_EVENT, type SigningKey } from '../reference-issuer/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { certificate, digestFor } from './helpers/issuer.js';
import { AUDIENCE } from './helpers/service.js';

/**
 * The set-based path of ingest() against the per-SET path it falls back to: the same random
 * batches (new SETs, redeliveries, revisions of stored numbers, withdrawals, conflicts by jti and by
 * identity, a row the database refuses, two issuers) into two databases give the same outcomes and
 * the same stored rows, audit chain included.
 */
let setBased: TestDatabase;
let perSet: TestDatabase;
const issuers: Array<{ id: string; iss: string; key: SigningKey }> = [];
let keys: KeyStore;

beforeAll(async () => {
  [setBased, perSet] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  for (const id of ['wjcs', 'ejcs']) {
    const issuer = { id, iss: `https://${id}.issuer.test.example`, key: generateSigningKey('ES256', `${id}-1`) };
    issuers.push(issuer);
    for (const db of [setBased, perSet]) {
      await insertIssuer(db.sql, { id, iss: issuer.iss, jwksInline: jwks([issuer.key]) as never });
      await storeKeys(db.sql, id, (await parseJwks(jwks([issuer.key]))).keys, silentLogger);
    }
  }
  for (const db of [setBased, perSet]) await db.sql`insert into organisations (id, name) values ('hiroshima', '広島県')`;
  keys = new KeyStore(setBased.sql, { log: silentLogger });
});

/**
 * Files in the archive, in SQL, every stored revision 0 whose number ends in an even digit: what
 * arrives for those later raises alerts (raised by ingest in its transaction).
 */
async function fileSome(sql: postgres.Sql) {
  await sql`
    insert into archive_records (org_id, revision_id, pdf, pdf_sha256, jws_sha256, archived_by, status_when_archived, issuer_id, number, kind,
                                 revision, revision_type, project_name, contractor, obligee, search_text)
    select 'hiroshima', r.id, '\\x25504446', repeat('0', 64), s.jws_sha256, 'clerk', 'current', r.issuer_id, r.number, r.kind, r.revision,
           r.revision_type, r.payload->'project'->>'name', r.payload->'contractor'->>'name', r.obligee_name, r.number
    from certificate_revisions r join received_sets s on s.id = r.set_id
    where r.revision = 0 and right(r.number, 1) in ('0', '2', '4', '6', '8')
    on conflict (org_id, revision_id) do nothing`;
}
afterAll(async () => {
  await setBased?.drop();
  await perSet?.drop();
});

type Certificate = Awaited<ReturnType<typeof certificate>>;
type Step =
  | { op: 'new'; issuer: number; kind: number }
  | { op: 'resend'; pick: number }
  | { op: 'revise'; pick: number }
  | { op: 'same identity, same content'; pick: number }
  | { op: 'same identity, other content'; pick: number }
  | { op: 'same jti, other content'; pick: number }
  | { op: 'withdraw'; pick: number; reason: 'cancelled' | 'issued_in_error'; day: number }
  | { op: 'withdraw unknown'; issuer: number; kind: number }
  | { op: 'unstorable'; issuer: number };

const pick = fc.nat();
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('new' as const), issuer: fc.nat(1), kind: fc.nat(2) }), weight: 5 },
  fc.record({ op: fc.constant('resend' as const), pick }),
  fc.record({ op: fc.constant('revise' as const), pick }),
  fc.record({ op: fc.constant('same identity, same content' as const), pick }),
  fc.record({ op: fc.constant('same identity, other content' as const), pick }),
  fc.record({ op: fc.constant('same jti, other content' as const), pick }),
  fc.record({ op: fc.constant('withdraw' as const), pick, reason: fc.constantFrom('cancelled' as const, 'issued_in_error' as const), day: fc.nat(1) }),
  fc.record({ op: fc.constant('withdraw unknown' as const), issuer: fc.nat(1), kind: fc.nat(2) }),
  fc.record({ op: fc.constant('unstorable' as const), issuer: fc.nat(1) }),
);

const KINDS = ['advance_payment', 'interim_advance_payment', 'contract'] as const;
let serial = 0;
const nextNumber = () => String(6_200_000_000 + ++serial);

interface Sent {
  issuer: number;
  event: string;
  payload: Certificate | Record<string, unknown>;
  jti: string;
  token: string;
  unstorable: boolean;
}

/** Turns steps into signed SETs, each step reading the SETs made before it (in this batch or earlier ones). */
async function makeBatch(steps: Step[], history: Sent[]): Promise<Sent[]> {
  const digest = await digestFor('AB12CD34');
  const batch: Sent[] = [];
  const sign = async (issuer: number, event: string, payload: Sent['payload'], jti?: string, unstorable = false) => {
    const i = issuers[issuer]!;
    const s = await signSet({ iss: i.iss, aud: AUDIENCE, key: i.key, event, payload, jti });
    const sent = { issuer, event, payload, jti: s.jti, token: s.token, unstorable };
    batch.push(sent);
    history.push(sent);
  };
  const certificates = () => history.filter((s) => s.event === CERTIFICATE_EVENT && !s.unstorable);
  for (const st of steps) {
    const earlier = 'pick' in st ? history[st.pick % Math.max(history.length, 1)] : undefined;
    const earlierCertificate = 'pick' in st ? certificates()[st.pick % Math.max(certificates().length, 1)] : undefined;
    const c = earlierCertificate?.payload as Certificate | undefined;
    switch (st.op) {
      case 'new':
        await sign(st.issuer, CERTIFICATE_EVENT, await certificate(nextNumber(), 'AB12CD34', KINDS[st.kind], serial));
        break;
      case 'resend':
        if (earlier) {
          batch.push(earlier);
          history.push(earlier);
        }
        break;
      case 'revise':
        if (earlierCertificate) await sign(earlierCertificate.issuer, CERTIFICATE_EVENT, changeRevision(c!, c!.revision + 1, digest, '2024-09-02'));
        break;
      case 'same identity, same content':
        if (earlierCertificate) await sign(earlierCertificate.issuer, CERTIFICATE_EVENT, c!);
        break;
      case 'same identity, other content':
        if (earlierCertificate) await sign(earlierCertificate.issuer, CERTIFICATE_EVENT, { ...c!, notes: `別の内容 ${serial++}` });
        break;
      case 'same jti, other content':
        if (earlier) await sign(earlier.issuer, CERTIFICATE_EVENT, await certificate(nextNumber(), 'AB12CD34'), earlier.jti);
        break;
      case 'withdraw':
        if (earlierCertificate) {
          await sign(earlierCertificate.issuer, WITHDRAWN_EVENT, {
            number: c!.number,
            kind: c!.kind,
            revision: c!.revision,
            reason: st.reason,
            withdrawnOn: `2024-10-0${st.day + 1}`,
          });
        }
        break;
      case 'withdraw unknown':
        await sign(st.issuer, WITHDRAWN_EVENT, { number: nextNumber(), kind: KINDS[st.kind], revision: 0, reason: 'cancelled', withdrawnOn: '2024-10-01' });
        break;
      case 'unstorable':
        await sign(st.issuer, CERTIFICATE_EVENT, await certificate(nextNumber(), 'AB12CD34'), undefined, true);
        break;
    }
  }
  return batch;
}

async function verified(batch: Sent[]): Promise<VerifiedSet[]> {
  return Promise.all(
    batch.map(async (s) => {
      const v = await verifySet(s.token, { keys, audience: AUDIENCE });
      if (!v.ok) throw new Error(`test SET refused: ${v.description}`);
      // past every check, as a future rule change might let through: PostgreSQL cannot store U+0000 in jsonb
      if (s.unstorable && v.value.event.type === CERTIFICATE_EVENT) v.value.event.payload.contractor.name = 'a\u0000b';
      return v.value;
    }),
  );
}

/** Everything ingest writes, with generated ids replaced by the jti of the SET they stand for. */
async function storedState(sql: postgres.Sql) {
  return {
    sets: await sql`select issuer_id, jti, jws, jws_sha256, header, claims, event_type, kid, alg, via from received_sets order by issuer_id, jti`,
    revisions: await sql`
      select r.issuer_id, number, kind, revision, revision_type, to_char(issued_on, 'YYYY-MM-DD') as issued_on, payload, auth_key_digest,
             obligee_code, obligee_name, s.jti
      from certificate_revisions r join received_sets s on s.id = r.set_id order by r.issuer_id, number, kind, revision`,
    withdrawals: await sql`
      select w.issuer_id, number, kind, revision, reason, to_char(withdrawn_on, 'YYYY-MM-DD') as withdrawn_on, s.jti
      from withdrawals w join received_sets s on s.id = w.set_id order by w.issuer_id, number, kind, revision`,
    conflicts: await sql`
      select c.issuer_id, c.jti, c.jws_sha256, c.identity, s.jti as existing_jti, c.via
      from ingest_conflicts c join received_sets s on s.id = c.existing_set_id order by c.issuer_id, c.jti, c.jws_sha256, c.identity`,
    alerts: await sql`select org_id, type, cause, issuer_id, number, kind, revision, params from alerts order by org_id, cause`,
    // each SET's entry in the order of the SETs; the alerts' entries (one per alert raised) in any order
    ingestAudit: await sql`select seq, action, outcome, actor, number, detail from audit_log where action = 'feed.ingest' order by seq`,
    otherAudit: (await sql`select action, outcome, actor, number, detail from audit_log where action <> 'feed.ingest'`).map((r) => JSON.stringify(r)).sort(),
  };
}

async function outcomesByJti(sql: postgres.Sql, outcomes: IngestOutcome[]) {
  const ids = outcomes.flatMap((o) => ('setId' in o ? [o.setId] : []));
  const rows = ids.length ? await sql<{ id: string; jti: string }[]>`select id, jti from received_sets where id in ${sql(ids)}` : [];
  const jtiOf = new Map(rows.map((r) => [r.id, r.jti]));
  return outcomes.map((o) => ('setId' in o ? { status: o.status, jti: jtiOf.get(o.setId) } : o));
}

describe('set-based ingest', () => {
  it('gives the same outcomes and stored state as the per-SET path for any batches', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(step, { minLength: 1, maxLength: 25 }), { minLength: 1, maxLength: 4 }), async (batches) => {
        const history: Sent[] = [];
        for (const steps of batches) {
          const sets = await verified(await makeBatch(steps, history));
          const [a, b] = await Promise.all([ingest(setBased.sql, sets, 'poll'), ingestPerSet(perSet.sql, sets, 'poll')]);
          expect(await outcomesByJti(setBased.sql, a)).toEqual(await outcomesByJti(perSet.sql, b));
          await Promise.all([fileSome(setBased.sql), fileSome(perSet.sql)]);
        }
        expect(await storedState(setBased.sql)).toEqual(await storedState(perSet.sql));
      }),
      // the databases outlive a run (stored evidence cannot be deleted), so after a divergence every run fails: report the first
      { numRuns: 40, endOnFailure: true },
    );
    const [raised] = await setBased.sql<{ n: number }[]>`select count(*)::int as n from alerts`;
    expect(raised!.n).toBeGreaterThan(0); // the batches did reach filed certificates
  });

  it('stores a batch of new SETs with a statement per table, not statements per SET', async () => {
    const history: Sent[] = [];
    const sets = await verified(
      await makeBatch(
        Array.from(
          { length: 60 },
          (_, i): Step => (i % 6 === 5 ? { op: 'withdraw unknown', issuer: i % 2, kind: i % 3 } : { op: 'new', issuer: i % 2, kind: i % 3 }),
        ),
        history,
      ),
    );
    const statements: string[] = [];
    const watched = postgres(setBased.url, { max: 1, onnotice: () => {}, debug: (_c, query) => statements.push(query) });
    try {
      const outcomes = await ingest(watched, sets, 'push');
      expect(outcomes.every((o) => o.status === 'stored')).toBe(true);
    } finally {
      await watched.end();
    }
    const inserts = (table: string) => statements.filter((q) => new RegExp(`insert into ${table}\\b`).test(q)).length;
    expect([inserts('received_sets'), inserts('certificate_revisions'), inserts('withdrawals')]).toEqual([1, 1, 1]);
    expect(statements.length).toBeLessThan(20);
  });
});

describe('verifySet without a query per SET', () => {
  it('checks SETs checked together with one issuers query, and a removal counts for the next check', async () => {
    const statements: string[] = [];
    const watched = postgres(perSet.url, { max: 4, onnotice: () => {}, debug: (_c, query) => statements.push(query) });
    try {
      const store = new KeyStore(watched, { log: silentLogger });
      const i = { id: 'gone', iss: 'https://gone.issuer.test.example', key: generateSigningKey('ES256', 'gone-1') };
      await insertIssuer(perSet.sql, { id: i.id, iss: i.iss, jwksInline: jwks([i.key]) as never });
      await storeKeys(perSet.sql, i.id, (await parseJwks(jwks([i.key]))).keys, silentLogger);
      const tokens = await Promise.all(
        Array.from(
          { length: 20 },
          async () =>
            (await signSet({ iss: i.iss, aud: AUDIENCE, key: i.key, event: CERTIFICATE_EVENT, payload: await certificate(nextNumber(), 'AB12CD34') })).token,
        ),
      );
      const checked = await Promise.all(tokens.map((t) => verifySet(t, { keys: store, audience: AUDIENCE })));
      expect(checked.every((c) => c.ok)).toBe(true);
      expect(statements.filter((q) => /from issuers/.test(q))).toHaveLength(1);
      expect(await removeIssuer(perSet.sql, i.id)).toBe(true); // as another instance or the command line would
      const after = await verifySet(tokens[0]!, { keys: store, audience: AUDIENCE });
      expect(after).toMatchObject({ ok: false, err: 'invalid_issuer' });
    } finally {
      await watched.end();
    }
  });
});
