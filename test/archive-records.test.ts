import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { archiveRevision, findArchived, getArchiveJws, getArchivePdf, getArchiveRecord, toArchiveJson, type ArchiveRecord } from '../src/archive/index.js';
import { createReceiver, KeyStore, type Receiver } from '../src/feed/index.js';
import { silentLogger } from '../src/log/index.js';
import { loadCertificate, type CertificateRecord } from '../src/lookup/index.js';
import type { ArchiveRecord as ViewArchiveRecord } from '../src/render/view-data.js';
import { CERTIFICATE_EVENT, type CertificatePayloadInput, type ReferenceIssuer } from '../reference-issuer/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { certificate, registeredIssuer } from './helpers/issuer.js';
import { AUDIENCE } from './helpers/service.js';

let db: TestDatabase;
let issuer: ReferenceIssuer;
let receiver: Receiver;
let hiroshimaCert: CertificateRecord;
const PDF = new TextEncoder().encode('%PDF-1.7 not really a PDF\n');
const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

async function ingestRevision(payload: CertificatePayloadInput): Promise<string> {
  const set = await issuer.sign(CERTIFICATE_EVENT, payload);
  expect((await receiver.receive([set.token], 'push'))[0]?.status).toBe('stored');
  const [row] = await db.sql<{ id: string }[]>`
    select id from certificate_revisions where number = ${payload.number} and kind = ${payload.kind} and revision = ${payload.revision}`;
  return row!.id;
}

async function unlock(orgId: string, revisionId: string): Promise<CertificateRecord> {
  await db.sql`insert into unlocks (org_id, revision_id, unlocked_by) values (${orgId}, ${revisionId}, 'clerk')`;
  return (await loadCertificate(db.sql, orgId, revisionId))!;
}

beforeAll(async () => {
  db = await createTestDatabase();
  issuer = await registeredIssuer(db.sql, 'wjcs');
  receiver = createReceiver({ sql: db.sql, keys: new KeyStore(db.sql, { log: silentLogger }), audience: AUDIENCE, log: silentLogger });
  await db.sql`insert into organisations (id, name) values ('hiroshima', '広島県'), ('okayama', '岡山県'), ('fukuyama', '福山市')`;
  await db.sql`insert into organisation_obligees (org_id, code, name) values ('hiroshima', '340006', '広島県知事'), ('okayama', '330001', '岡山県知事')`;
  hiroshimaCert = await unlock('hiroshima', await ingestRevision(await certificate('2070004426', 'AB12CD34', 'advance_payment', 0)));
});
afterAll(async () => {
  await issuer?.close();
  await db?.drop();
});

const auditEntries = (subject: string) =>
  db.sql<{ action: string; outcome: string; actor: string; org_id: string; number: string; client: string; request_id: string }[]>`
    select action, outcome, actor, org_id, number, client, request_id from audit_log where subject = ${subject} order by seq`;

describe('archiveRevision', () => {
  it('files a revision once: the second call gives back the same record, unchanged, with created=false', async () => {
    const request = { orgId: 'hiroshima', certificate: hiroshimaCert, pdf: PDF, actor: 'clerk1', reference: '広島-2024-001', memo: '前払金の請求に添付' };
    const first = await archiveRevision(db.sql, { ...request, client: '10.0.0.5', requestId: 'req-1' });
    const second = await archiveRevision(db.sql, { ...request, actor: 'clerk2', memo: '別のメモ', pdf: new Uint8Array([1, 2, 3]) });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.record).toEqual(first.record);
    const [{ n }] = await db.sql<[{ n: number }]>`select count(*)::int as n from archive_records where revision_id = ${hiroshimaCert.id}`;
    expect(n).toBe(1);
    expect(await auditEntries(first.record.id)).toEqual([
      { action: 'archive', outcome: 'created', actor: 'clerk1', org_id: 'hiroshima', number: '2070004426', client: '10.0.0.5', request_id: 'req-1' },
      { action: 'archive', outcome: 'existing', actor: 'clerk2', org_id: 'hiroshima', number: '2070004426', client: null, request_id: null },
    ]);
  });

  it('gives the SPEC §4 record: copies of the certificate, digests of the PDF and the SET, status today', async () => {
    const record = (await findArchived(db.sql, 'hiroshima', hiroshimaCert.id))!;
    const asView: ViewArchiveRecord = record; // the pages take it as it is
    expect(asView.id).toBe(record.id);
    const json = toArchiveJson(record);
    expect(Object.keys(json)).toEqual([
      'id',
      'certificateId',
      'number',
      'kind',
      'revision',
      'revisionType',
      'projectName',
      'contractor',
      'obligee',
      'issuer',
      'status',
      'archivedAt',
      'archivedBy',
      'reference',
      'memo',
      'pdfSha256',
      'jwsSha256',
      'contract',
    ]);
    const { payload } = hiroshimaCert;
    expect(json).toMatchObject({
      certificateId: hiroshimaCert.id,
      number: '2070004426',
      kind: 'advance_payment',
      revision: 0,
      revisionType: 'new',
      projectName: payload.project.name,
      contractor: payload.contractor.name,
      obligee: '広島県知事',
      issuer: 'wjcs 建設業保証',
      status: 'current',
      archivedBy: 'clerk1',
      reference: '広島-2024-001',
      memo: '前払金の請求に添付',
      pdfSha256: sha256(PDF),
      jwsSha256: hiroshimaCert.verification.jwsSha256,
    });
    expect(json.jwsSha256).toBe(sha256(hiroshimaCert.jws));
    expect(json.archivedAt).toBe(record.archivedAt.toISOString());
  });

  it('refuses a reference over 200 or a memo over 2000 characters, naming the field, and files nothing', async () => {
    const okayamaCert = await unlock('okayama', hiroshimaCert.id);
    const attempt = (notes: { reference?: string; memo?: string }) =>
      archiveRevision(db.sql, { orgId: 'okayama', certificate: okayamaCert, pdf: PDF, actor: 'clerk', ...notes });
    const paths = async (p: Promise<unknown>) => {
      const error = await p.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ZodError);
      return (error as ZodError).issues.map((i) => i.path.join('.'));
    };
    expect(await paths(attempt({ reference: 'x'.repeat(201) }))).toEqual(['reference']);
    expect(await paths(attempt({ memo: 'メ'.repeat(2001) }))).toEqual(['memo']);
    expect(await findArchived(db.sql, 'okayama', okayamaCert.id)).toBeNull();
    const { record } = await attempt({ reference: '   ', memo: 'モ'.repeat(2000) });
    expect(record.reference).toBeNull();
    expect(record.memo).toHaveLength(2000);
  });

  it('refuses to file a revision the organisation has not unlocked', async () => {
    await expect(archiveRevision(db.sql, { orgId: 'fukuyama', certificate: hiroshimaCert, pdf: PDF, actor: 'clerk' })).rejects.toThrow(/not unlocked/);
    expect(await findArchived(db.sql, 'fukuyama', hiroshimaCert.id)).toBeNull();
  });

  it('three clerks filing the same revision at once make one record', async () => {
    const certificate = await unlock('fukuyama', hiroshimaCert.id);
    const results = await Promise.all(['a', 'b', 'c'].map((clerk) => archiveRevision(db.sql, { orgId: 'fukuyama', certificate, pdf: PDF, actor: clerk })));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.record.id)).size).toBe(1);
    expect((await auditEntries(results[0]!.record.id)).map((e) => e.outcome).sort()).toEqual(['created', 'existing', 'existing']);
  });
});

describe('the archive is append-only', () => {
  it('the database refuses UPDATE, DELETE and TRUNCATE of archive records', async () => {
    const { id } = (await findArchived(db.sql, 'hiroshima', hiroshimaCert.id))!;
    await expect(db.sql`update archive_records set memo = '書き換え' where id = ${id}`).rejects.toThrow(/cannot be changed or deleted: UPDATE/);
    await expect(db.sql`delete from archive_records where id = ${id}`).rejects.toThrow(/cannot be changed or deleted: DELETE/);
    await expect(db.sql`truncate archive_records cascade`).rejects.toThrow(/cannot be changed or deleted: TRUNCATE/);
    expect((await getArchiveRecord(db.sql, 'hiroshima', id))?.memo).toBe('前払金の請求に添付');
  });
});

describe('records by id, scoped to the organisation', () => {
  let record: ArchiveRecord;
  beforeAll(async () => {
    record = (await findArchived(db.sql, 'hiroshima', hiroshimaCert.id))!;
  });

  it('gives the organisation its record, the PDF byte for byte and the SET as signed', async () => {
    expect(await getArchiveRecord(db.sql, 'hiroshima', record.id)).toEqual(record);
    expect(Buffer.from((await getArchivePdf(db.sql, 'hiroshima', record.id))!)).toEqual(Buffer.from(PDF));
    expect(await getArchiveJws(db.sql, 'hiroshima', record.id)).toBe(hiroshimaCert.jws);
  });

  it('gives another organisation nothing for the same id, even one that filed the same revision', async () => {
    for (const org of ['okayama', 'fukuyama', 'nobody']) {
      expect(await getArchiveRecord(db.sql, org, record.id)).toBeNull();
      expect(await getArchivePdf(db.sql, org, record.id)).toBeNull();
      expect(await getArchiveJws(db.sql, org, record.id)).toBeNull();
    }
    expect((await findArchived(db.sql, 'okayama', hiroshimaCert.id))?.id).not.toBe(record.id);
  });

  it('answers null, not a database error, for ids that are not UUIDs', async () => {
    for (const id of ['', 'abc', `${record.id}x`, "1' or '1'='1", '../etc/passwd']) {
      expect(await getArchiveRecord(db.sql, 'hiroshima', id)).toBeNull();
      expect(await getArchivePdf(db.sql, 'hiroshima', id)).toBeNull();
      expect(await getArchiveJws(db.sql, 'hiroshima', id)).toBeNull();
      expect(await findArchived(db.sql, 'hiroshima', id)).toBeNull();
    }
    expect((await getArchiveRecord(db.sql, 'hiroshima', record.id.toUpperCase()))?.id).toBe(record.id);
  });
});
