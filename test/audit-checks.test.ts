import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recheckAll, recheckArchiveRecord, runChecks, verifyEvidence, VERIFICATION_CHECKS, type VerificationReport } from '../src/audit/index.js';
import { sha256Hex } from '../src/domain/index.js';
import { createReceiver, findIssuer, KeyStore, type Receiver } from '../src/feed/index.js';
import { silentLogger } from '../src/log/index.js';
import { createPdfRenderer, findChromium, type PdfRenderer } from '../src/pdf/index.js';
import { CERTIFICATE_EVENT, changeRevision, jwks, WITHDRAWN_EVENT, type ReferenceIssuer } from '../reference-issuer/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { certificate, digestFor, registeredIssuer } from './helpers/issuer.js';
import { AUDIENCE } from './helpers/service.js';

let db: TestDatabase;
let wjcs: ReferenceIssuer;
let receiver: Receiver;
let renderer: PdfRenderer;
const ORG = 'hiroshima-pref';
const issuers: ReferenceIssuer[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  wjcs = await registeredIssuer(db.sql, 'wjcs');
  issuers.push(wjcs);
  receiver = createReceiver({ sql: db.sql, keys: new KeyStore(db.sql, { log: silentLogger, refetchCooldownMs: 0 }), audience: AUDIENCE, log: silentLogger });
  renderer = createPdfRenderer({ executablePath: findChromium(), pages: 2 });
  await db.sql`insert into organisations (id, name) values (${ORG}, '広島県'), ('okayama-pref', '岡山県')`;
});
afterAll(async () => {
  await renderer?.close();
  for (const issuer of issuers) await issuer.close();
  await db?.drop();
});

/** A new KeyStore each time, as a recheck in another process (or years later) would have. */
const freshKeys = () => new KeyStore(db.sql, { log: silentLogger });
const recheck = (archiveId: string, orgId = ORG) => recheckArchiveRecord(db.sql, freshKeys(), AUDIENCE, { orgId, archiveId, actor: 'user:auditor1' });
const resultOf = (report: VerificationReport | null, name: string) => report?.checks.find((c) => c.name === name);

async function ingest(token: string) {
  const [outcome] = await receiver.receive([token], 'push');
  expect(outcome?.status).toBe('stored');
}

/** Ingests a signed revision, renders its PDF for real and files it in the archive as the archive capability does. */
async function fileCertificate(issuer: ReferenceIssuer, issuerId: string, number: string, opts: { embeddedJws?: string; revision?: number } = {}) {
  let payload = await certificate(number, 'AB12CD34');
  if (opts.revision) payload = changeRevision(payload, opts.revision, await digestFor('EF56GH78'), '2024-08-01');
  const { token } = await issuer.sign(CERTIFICATE_EVENT, payload);
  await ingest(token);
  const [revision] = await db.sql<{ id: string }[]>`
    select id from certificate_revisions where issuer_id = ${issuerId} and number = ${number} and revision = ${payload.revision}`;
  const issuerRow = (await findIssuer(db.sql, { id: issuerId }))!;
  const identity = { number, kind: payload.kind, revision: payload.revision };
  const verification = await verifyEvidence({
    jws: token,
    identity,
    recordedJwsSha256: sha256Hex(token),
    issuerIss: issuer.iss,
    keySource: 'kept',
    audience: AUDIENCE,
    findKey: (kid) => freshKeys().find(issuerRow, kid, { offline: true }),
    status: { status: 'current' },
  });
  const pdf = await renderer.render({
    html: `<!DOCTYPE html><html lang="ja"><body><h1>前払金保証証書</h1><p>保証契約番号 ${number}</p><p>保証金額 金${payload.guarantee.amount.toLocaleString('en')}円</p></body></html>`,
    footer: {
      issuer: issuerRow.name,
      number,
      kind: '前払金保証',
      revision: String(payload.revision),
      jwsSha256: sha256Hex(token),
      producedAt: '令和6年6月3日 10:00 JST',
    },
    metadata: { title: `前払金保証 ${number}`, subject: '電子証書', author: issuerRow.name },
    attachments: [
      { name: 'certificate.jws', data: opts.embeddedJws ?? token, mimeType: 'application/jose' },
      { name: 'issuer-jwks.json', data: JSON.stringify(jwks([issuer.signingKey])), mimeType: 'application/jwk-set+json' },
      { name: 'verification.json', data: JSON.stringify(verification), mimeType: 'application/json' },
    ],
  });
  const [record] = await db.sql<{ id: string }[]>`
    insert into archive_records (org_id, revision_id, pdf, pdf_sha256, jws_sha256, archived_by, status_when_archived, issuer_id, number, kind, revision,
                                 revision_type, project_name, contractor, obligee, search_text)
    values (${ORG}, ${revision!.id}, ${pdf}, ${sha256Hex(pdf)}, ${sha256Hex(token)}, 'clerk1', 'current', ${issuerId}, ${number}, ${payload.kind},
            ${payload.revision}, ${payload.revisionType}, ${payload.project.name}, ${payload.contractor.name}, ${payload.obligee.name},
            ${`${number} ${payload.project.name}`})
    returning id`;
  return { archiveId: record!.id, token, pdf, payload };
}

/** A change made as a superuser with the table's guard trigger disabled: what recheck must catch. */
async function behindTheApplication(table: string, trigger: string, change: (tx: postgres.TransactionSql) => Promise<unknown>) {
  await db.sql.begin(async (tx) => {
    await tx.unsafe(`alter table ${table} disable trigger ${trigger}`);
    await change(tx);
    await tx.unsafe(`alter table ${table} enable trigger ${trigger}`);
  });
}

describe('recheck of an archive record (SPEC §6)', () => {
  it('passes every check for a record nobody touched, and says so check by check', async () => {
    const { archiveId, token, payload } = await fileCertificate(wjcs, 'wjcs', '2070000001');
    const report = await recheck(archiveId);
    expect(report).toMatchObject({
      subject: { number: '2070000001', kind: 'advance_payment', revision: 0, issuer: wjcs.iss, jwsSha256: sha256Hex(token), archiveId },
      result: 'passed',
    });
    expect(Object.keys(report!.subject).sort()).toEqual(['archiveId', 'issuer', 'jwsSha256', 'kind', 'number', 'revision']);
    expect(new Date(report!.checkedAt).toISOString()).toBe(report!.checkedAt);
    expect(report!.checks.map((c) => [c.name, c.result])).toEqual([
      ['jws-digest', 'passed'],
      ['signature', 'passed'],
      ['claims', 'passed'],
      ['payload', 'passed'],
      ['pdf-digest', 'passed'],
      ['pdf-embedded-jws', 'passed'],
      ['status', 'passed'],
    ]);
    expect(resultOf(report, 'signature')!.detail).toContain(wjcs.signingKey.kid);
    expect(resultOf(report, 'payload')!.detail).toContain(payload.issuedOn);
    expect(resultOf(report, 'status')!.detail).toMatch(/^current/);
  });

  it('fails jws-digest and signature when one byte of the stored SET changed', async () => {
    const { archiveId, token } = await fileCertificate(wjcs, 'wjcs', '2070000002');
    const [head, body, sig] = token.split('.') as [string, string, string];
    const forged = `${head}.${body}.${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`;
    await expect(db.sql`update received_sets set jws = ${forged} where jws = ${token}`).rejects.toThrow(/evidence/);
    await behindTheApplication('received_sets', 'received_sets_immutable', (tx) => tx`update received_sets set jws = ${forged} where jws = ${token}`);
    const report = await recheck(archiveId);
    expect(report!.result).toBe('failed');
    expect(resultOf(report, 'jws-digest')).toMatchObject({ result: 'failed', detail: expect.stringContaining(sha256Hex(token)) });
    expect(resultOf(report, 'signature')!.result).toBe('failed');
    expect(resultOf(report, 'pdf-embedded-jws')!.result).toBe('failed');
    expect(resultOf(report, 'claims')!.result).toBe('passed');
  });

  it('fails pdf-digest when one byte of the archived PDF changed', async () => {
    const { archiveId, pdf } = await fileCertificate(wjcs, 'wjcs', '2070000003');
    const tampered = Buffer.from(pdf);
    const at = tampered.indexOf('%PDF-1.') + 7;
    tampered[at] = tampered[at] === 0x36 ? 0x35 : 0x36;
    await db.sql.begin(async (tx) => {
      await tx`alter table archive_records disable trigger archive_records_no_change`;
      await tx`update archive_records set pdf = ${tampered} where id = ${archiveId}`;
      await tx`alter table archive_records enable trigger archive_records_no_change`;
    });
    const report = await recheck(archiveId);
    expect(report!.result).toBe('failed');
    expect(resultOf(report, 'pdf-digest')).toMatchObject({ result: 'failed', detail: expect.stringContaining(sha256Hex(tampered)) });
    expect(resultOf(report, 'pdf-embedded-jws')!.result).toBe('passed');
    expect(resultOf(report, 'signature')!.result).toBe('passed');
  });

  it('fails pdf-embedded-jws when the PDF carries another SET than the stored one', async () => {
    const other = await wjcs.sign(CERTIFICATE_EVENT, await certificate('2070000004', 'AB12CD34'));
    const { archiveId } = await fileCertificate(wjcs, 'wjcs', '2070000004', { embeddedJws: other.token });
    const report = await recheck(archiveId);
    expect(report!.result).toBe('failed');
    expect(report!.checks.filter((c) => c.result !== 'passed').map((c) => c.name)).toEqual(['pdf-embedded-jws']);
  });

  it('reports a superseded revision as passed, naming the revision that replaces it', async () => {
    const { archiveId } = await fileCertificate(wjcs, 'wjcs', '2070000005');
    await fileCertificate(wjcs, 'wjcs', '2070000005', { revision: 1 });
    const report = await recheck(archiveId);
    expect(report!.result).toBe('passed');
    expect(resultOf(report, 'status')).toMatchObject({ result: 'passed', detail: expect.stringMatching(/superseded by revision 1 issued on 2024-08-01/) });
  });

  it('fails status for a withdrawn certificate, with the reason and the date', async () => {
    const { archiveId } = await fileCertificate(wjcs, 'wjcs', '2070000006');
    const withdrawal = { number: '2070000006', kind: 'advance_payment', revision: 0, reason: 'cancelled', withdrawnOn: '2024-09-30' };
    await ingest((await wjcs.sign(WITHDRAWN_EVENT, withdrawal)).token);
    const report = await recheck(archiveId);
    expect(report!.result).toBe('failed');
    expect(report!.checks.filter((c) => c.result !== 'passed').map((c) => c.name)).toEqual(['status']);
    expect(resultOf(report, 'status')!.detail).toMatch(/withdrawn on 2024-09-30.*cancelled/);
  });

  it('is indeterminate, naming the kid, when the signing key is not kept, and never fetches it from the issuer', async () => {
    const lost = await registeredIssuer(db.sql, 'lost-key');
    issuers.push(lost);
    const { archiveId } = await fileCertificate(lost, 'lost-key', '2070000007');
    await behindTheApplication('issuer_keys', 'issuer_keys_no_delete', (tx) => tx`delete from issuer_keys where issuer_id = 'lost-key'`);
    const report = await recheck(archiveId); // the issuer still publishes the key: a fetch would find it
    expect(resultOf(report, 'signature')).toMatchObject({ result: 'indeterminate', detail: expect.stringContaining(lost.signingKey.kid) });
    expect(report!.result).toBe('indeterminate');
    expect(await db.sql`select 1 from issuer_keys where issuer_id = 'lost-key'`).toHaveLength(0);
  });

  it('still passes after the issuer rotated its key away and went offline', async () => {
    const rotating = await registeredIssuer(db.sql, 'rotating');
    issuers.push(rotating);
    const before = await fileCertificate(rotating, 'rotating', '2070000008');
    rotating.rotate('EdDSA', true);
    const after = await fileCertificate(rotating, 'rotating', '2070000009');
    await rotating.close();
    for (const { archiveId } of [before, after]) {
      const report = await recheck(archiveId);
      expect(report!.checks.map((c) => c.result)).toEqual(Array(7).fill('passed'));
    }
  });

  it("answers null for another organisation's record and for an id that is not one", async () => {
    const { archiveId } = await fileCertificate(wjcs, 'wjcs', '2070000010');
    expect(await recheck(archiveId, 'okayama-pref')).toBeNull();
    expect(await recheck('not-a-uuid')).toBeNull();
    expect(await recheck('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('logs every recheck in the audit log with its result and the checks that failed', async () => {
    const { archiveId } = await fileCertificate(wjcs, 'wjcs', '2070000011');
    await ingest(
      (
        await wjcs.sign(WITHDRAWN_EVENT, {
          number: '2070000011',
          kind: 'advance_payment',
          revision: 0,
          reason: 'issued_in_error',
          withdrawnOn: '2024-07-01',
        })
      ).token,
    );
    await recheckArchiveRecord(db.sql, freshKeys(), AUDIENCE, { orgId: ORG, archiveId, actor: 'user:auditor1', client: '192.0.2.7', requestId: 'req-42' });
    const rows = await db.sql`select * from audit_log where action = 'archive.recheck' and subject = ${archiveId}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      outcome: 'failed',
      actor: 'user:auditor1',
      org_id: ORG,
      client: '192.0.2.7',
      request_id: 'req-42',
      number: '2070000011',
      detail: { result: 'failed', failed: ['status'] },
    });
  });

  it('rechecks a whole organisation with progress, and nothing of another', async () => {
    const [count] = await db.sql<{ n: number }[]>`select count(*)::int as n from archive_records where org_id = ${ORG}`;
    const n = count!.n;
    const progress: Array<[number, number]> = [];
    const reports = await recheckAll(db.sql, freshKeys(), AUDIENCE, { orgId: ORG, actor: 'cli:auditor', onProgress: (d, t) => progress.push([d, t]) });
    expect(reports).toHaveLength(n);
    expect(progress.at(-1)).toEqual([n, n]);
    expect(await recheckAll(db.sql, freshKeys(), AUDIENCE, { orgId: 'okayama-pref', actor: 'cli:auditor' })).toEqual([]);
    expect(await recheckAll(db.sql, freshKeys(), AUDIENCE, { all: true, actor: 'cli:auditor' })).toHaveLength(n);
  });
});

describe('the check runner', () => {
  const subject = { number: '2070000001', kind: 'contract' as const, revision: 0, issuer: 'https://x.example', jwsSha256: '0'.repeat(64), archiveId: null };

  it('turns a check that throws into indeterminate with the error, never a pass', async () => {
    const report = await runChecks(
      [
        {
          name: 'status',
          applies: () => true,
          run: () => {
            throw new Error('database went away');
          },
        },
      ],
      {},
      subject,
    );
    expect(report.result).toBe('indeterminate');
    expect(report.checks[0]).toMatchObject({ name: 'status', result: 'indeterminate', detail: expect.stringContaining('database went away') });
  });

  it('is indeterminate when a key lookup fails, and leaves out the archive checks without a PDF', async () => {
    const { token } = await wjcs.sign(CERTIFICATE_EVENT, await certificate('2070000001', 'AB12CD34'));
    const report = await verifyEvidence({
      jws: token,
      identity: { number: '2070000001', kind: 'advance_payment', revision: 0 },
      recordedJwsSha256: sha256Hex(token),
      issuerIss: wjcs.iss,
      keySource: 'kept',
      audience: AUDIENCE,
      findKey: () => Promise.reject(new Error('connection refused')),
    });
    expect(report.checks.map((c) => c.name)).toEqual(['jws-digest', 'signature', 'claims', 'payload']);
    expect(report.checks[1]).toMatchObject({ result: 'indeterminate', detail: expect.stringContaining('connection refused') });
    expect(report.result).toBe('indeterminate');
    expect(VERIFICATION_CHECKS.map((c) => c.name)).toEqual(['jws-digest', 'signature', 'claims', 'payload', 'pdf-digest', 'pdf-embedded-jws', 'status']);
  });

  it('fails claims for a SET addressed to another audience or naming another issuer, without freshness rules', async () => {
    const old = Math.floor(Date.parse('2024-06-03T00:00:00Z') / 1000);
    const { token } = await wjcs.sign(CERTIFICATE_EVENT, await certificate('2070000001', 'AB12CD34'), { aud: ['https://elsewhere.example'], iat: old });
    const evidence = {
      jws: token,
      identity: { number: '2070000001', kind: 'advance_payment' as const, revision: 0 },
      recordedJwsSha256: sha256Hex(token),
      issuerIss: wjcs.iss,
      keySource: 'kept' as const,
      audience: AUDIENCE,
      findKey: async () => null,
    };
    expect((await verifyEvidence(evidence)).checks[2]).toMatchObject({ result: 'failed', detail: expect.stringContaining('aud') });
    expect((await verifyEvidence({ ...evidence, audience: null })).checks[2]!.result).toBe('passed');
    expect((await verifyEvidence({ ...evidence, audience: null, issuerIss: 'https://other.example' })).checks[2]!.result).toBe('failed');
  });
});
