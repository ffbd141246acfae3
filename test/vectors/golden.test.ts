import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveRevision } from '../../src/archive/index.js';
import { insertIssuer, KeyStore, parseJwks, storeKeys, verifySet } from '../../src/feed/index.js';
import { silentLogger } from '../../src/log/index.js';
import { loadCertificate } from '../../src/lookup/index.js';
import { readPdfAttachments } from '../../src/pdf/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { apiCall } from '../helpers/fixture.js';
import { seedOrganisation } from '../helpers/seed.js';
import { startTestService } from '../helpers/service.js';
import { GOLDEN, VECTORS_DIR, type SetVectorFile } from './golden.js';

// Vectors committed once (see make.ts); every future version must read them the same way.
const read = (name: string) => fs.readFileSync(path.join(VECTORS_DIR, name));
const json = (name: string) => JSON.parse(read(name).toString('utf8'));
const sets = json('sets.json') as SetVectorFile;
const jwksDoc = json('issuer-jwks.json');
const pdf = new Uint8Array(read('certificate.pdf'));

/**
 * A §6 report as it must stay: subject, result and each check's name and result. Left out:
 * `checkedAt` (when it ran), the archive id (a new record each run) and each check's `detail`,
 * prose for people that may be worded better in a later version.
 */
const lasting = (report: { subject: Record<string, unknown>; result: string; checks: Array<{ name: string; result: string }> }) => ({
  subject: { ...report.subject, archiveId: report.subject.archiveId ? '(an archive record)' : null },
  result: report.result,
  checks: report.checks.map(({ name, result }) => ({ name, result })),
});

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await insertIssuer(db.sql, { id: GOLDEN.issuerId, iss: GOLDEN.iss, name: GOLDEN.certificate.guarantor.name, jwksInline: jwksDoc });
  await storeKeys(db.sql, GOLDEN.issuerId, (await parseJwks(jwksDoc)).keys, silentLogger);
});
afterAll(async () => {
  await db?.drop();
});

describe('golden SETs (test/vectors/sets.json): each gets the RFC 8935 answer it was committed with', () => {
  it('holds the cases it was made for', () => {
    expect(sets.vectors.length).toBeGreaterThanOrEqual(20);
    expect(new Set(sets.vectors.map((v) => v.expect))).toEqual(new Set(['accepted', 'invalid_request', 'invalid_key', 'invalid_issuer', 'invalid_audience']));
  });

  it.each(sets.vectors.map((v) => [v.title, v] as const))('%s', async (_, vector) => {
    const keys = new KeyStore(db.sql, { log: silentLogger });
    const result = await verifySet(vector.token, { keys, audience: sets.audience, now: () => new Date(sets.now * 1000) });
    expect(result.ok ? 'accepted' : result.err).toBe(vector.expect);
  });
});

describe('golden PDF (test/vectors/certificate.pdf), made by an earlier version', () => {
  it('`shosho verify --jwks issuer-jwks.json --json` passes with the committed report', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'verify',
      path.join(VECTORS_DIR, 'certificate.pdf'),
      '--jwks',
      path.join(VECTORS_DIR, 'issuer-jwks.json'),
      '--json',
    ]);
    const report = JSON.parse(stdout);
    expect(report.result).toBe('passed');
    expect(lasting(report)).toEqual(lasting(json('expected-verify.json')));
  });

  it('filed in an archive, the recheck passes with the committed report', async () => {
    const service = await startTestService(db, { SHOSHO_AUDIENCE: GOLDEN.audience });
    try {
      const { token } = await seedOrganisation(db.sql, GOLDEN.organisation);
      const api = (method: string, p: string, body?: unknown) => apiCall(service.url, token, method, p, body);
      // the SET the PDF carries, delivered as the issuer did, then unlocked with its key
      const jws = new TextDecoder().decode((await readPdfAttachments(pdf)).get('certificate.jws'));
      const pushed = await fetch(`${service.url}/sets`, { method: 'POST', headers: { 'content-type': 'application/secevent+jwt' }, body: jws });
      expect(pushed.status).toBe(202);
      const lookup = await api('POST', '/api/v1/lookup', { number: GOLDEN.certificate.number, authKey: GOLDEN.authKey });
      expect(lookup.status).toBe(200);
      // filed with the committed PDF's bytes, as if archived when it was made
      const certificate = (await loadCertificate(db.sql, GOLDEN.organisation.id, lookup.json.id))!;
      const { record } = await archiveRevision(db.sql, { orgId: GOLDEN.organisation.id, certificate, pdf, actor: 'golden-vectors' });
      const recheck = await api('POST', `/api/v1/archive/${record.id}/recheck`);
      expect(recheck.status).toBe(200);
      expect(recheck.json.result).toBe('passed');
      expect(lasting(recheck.json)).toEqual(lasting(json('expected-recheck.json')));
    } finally {
      await service.stop();
    }
  });
});
