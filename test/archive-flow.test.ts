import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compactVerify, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, WITHDRAWN_EVENT, jwks, type ReferenceIssuer } from '../reference-issuer/index.js';
import type { TestDatabase } from './helpers/db.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';
import { startTestService } from './helpers/service.js';
import { WebClient } from './helpers/web-client.js';

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let hiroshima: { password: string; token: string };
let okayama: { password: string; token: string };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-archive-flow-'));

const api = (token: string, method: string, path: string, body?: unknown) => apiCall(base, token, method, path, body);
async function issueAndUnlock(number: string, key: string) {
  const s = await issuer.sign(CERTIFICATE_EVENT, await certificate(number, key, 'interim_advance_payment', 8));
  expect((await issuer.push(`${base}/sets`, s.token)).status).toBe(202);
  const r = await api(hiroshima.token, 'POST', '/api/v1/lookup', { number, authKey: key });
  expect(r.status).toBe(200);
  return { id: r.json.id as string, token: s.token };
}

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer, base } = fx);
  hiroshima = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [{ username: 'tanaka', role: 'clerk' }]);
  okayama = await seedOrganisation(db.sql, { id: 'okayama', name: '岡山県', code: '330001' }, [{ username: 'yamada', role: 'clerk' }]);
});
afterAll(async () => {
  await fx?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('from lookup to an archived PDF a person can read and anyone can verify', () => {
  let archiveId: string;
  let setToken: string;
  let pdfPath: string;

  it('a clerk files the certificate from its page; filing again gives the same record', async () => {
    const { id, token } = await issueAndUnlock('2080001234', 'AR12CH34');
    setToken = token;
    const web = new WebClient(base);
    await web.login('tanaka', hiroshima.password);
    await web.get(`/certificates/${id}`);
    const res = await web.post(`/certificates/${id}/archive`, { reference: '福土第45号', memo: '中間前払金の請求に添付' });
    expect(res.status).toBe(303);
    archiveId = res.headers.get('location')!.split('/').pop()!;
    const page = await web.get(`/archive/${archiveId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('福土第45号');
    expect(page.text).toContain('中間前払金保証証書');
    await web.get(`/certificates/${id}`);
    const again = await web.post(`/certificates/${id}/archive`, { reference: 'ignored', memo: '' });
    // filed already: nothing is overwritten, and the page says so with a link to the record
    expect(again.status).toBe(200);
    expect(again.text).toContain('保管済み');
    expect(again.text).toContain(`href="/archive/${archiveId}"`);
    const apiAgain = await api(hiroshima.token, 'POST', `/api/v1/certificates/${id}/archive`, { reference: 'x' });
    expect(apiAgain.status).toBe(200);
    expect(apiAgain.json).toMatchObject({ id: archiveId, reference: '福土第45号', number: '2080001234', status: 'current', archivedBy: 'tanaka' });
    const [row] = await db.sql`select count(*)::int as n from archive_records`;
    expect(row!.n).toBe(1);
  });

  it('the PDF reads in Japanese, embeds its fonts and carries the SET, which verifies with the issuer public key alone', async () => {
    const res = await api(hiroshima.token, 'GET', `/api/v1/archive/${archiveId}/pdf`);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    pdfPath = path.join(tmp, 'archived.pdf');
    fs.writeFileSync(pdfPath, res.buf);
    const text = execFileSync('pdftotext', ['-layout', pdfPath, '-']).toString();
    for (const s of ['中間前払金保証証書', '2080001234', '広島県知事', '保証金額', '令和6年6月3日', 'JST', 'ページ 1 /']) expect(text).toContain(s);
    expect(text).toMatch(/金[0-9]{1,3}(,[0-9]{3})+円/);
    const fonts = execFileSync('pdffonts', [pdfPath]).toString().split('\n').slice(2).filter(Boolean);
    expect(fonts.length).toBeGreaterThan(0);
    expect(fonts.every((l) => / yes +yes +(yes|no) /.test(l) || / yes +yes /.test(l))).toBe(true);
    expect(fonts.some((l) => l.includes('Type 3'))).toBe(false);
    execFileSync('pdfdetach', ['-saveall', '-o', tmp, pdfPath]);
    expect(fs.readFileSync(path.join(tmp, 'certificate.jws'), 'utf8')).toBe(setToken);
    const published = jwks(issuer.keys).keys.find((k) => k.kid === issuer.signingKey.kid)!;
    const { payload } = await compactVerify(setToken, await importJWK(published, 'ES256'));
    expect(JSON.parse(new TextDecoder().decode(payload)).events[CERTIFICATE_EVENT].number).toBe('2080001234');
    const report = JSON.parse(fs.readFileSync(path.join(tmp, 'verification.json'), 'utf8'));
    expect(report).toMatchObject({ result: 'passed', subject: { number: '2080001234', issuer: issuer.iss } });
    expect(res.buf.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('`shosho verify` checks the archived PDF offline against the issuer JWKS', async () => {
    const jwksFile = path.join(tmp, 'issuer-jwks.trusted.json');
    fs.writeFileSync(jwksFile, JSON.stringify(jwks(issuer.keys)));
    const env = { ...process.env };
    delete env.DATABASE_URL;
    // asynchronously: a synchronous child would stall the service this process also runs
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/shosho.js', 'verify', pdfPath, '--jwks', jwksFile, '--json'], {
      env,
      encoding: 'utf8',
    });
    expect(JSON.parse(stdout)).toMatchObject({ result: 'passed', subject: { number: '2080001234' } });
  });

  it('recheck passes, then names pdf-digest when the stored PDF is tampered with, and status when the certificate is withdrawn', async () => {
    let r = await api(hiroshima.token, 'POST', `/api/v1/archive/${archiveId}/recheck`);
    expect(r.json.result).toBe('passed');
    expect(r.json.checks.map((c: any) => c.name)).toEqual(['jws-digest', 'signature', 'claims', 'payload', 'pdf-digest', 'pdf-embedded-jws', 'status']);
    await db.sql.begin(async (tx) => {
      await tx`alter table archive_records disable trigger archive_records_no_change`;
      await tx`update archive_records set pdf = overlay(pdf placing '\\x00'::bytea from 200 for 1) where id = ${archiveId}`;
      await tx`alter table archive_records enable trigger archive_records_no_change`;
    });
    r = await api(hiroshima.token, 'POST', `/api/v1/archive/${archiveId}/recheck`);
    expect(r.json.result).toBe('failed');
    expect(r.json.checks.find((c: any) => c.name === 'pdf-digest').result).toBe('failed');

    const w = await issuer.sign(WITHDRAWN_EVENT, {
      number: '2080001234',
      kind: 'interim_advance_payment',
      revision: 0,
      reason: 'cancelled',
      withdrawnOn: '2025-01-31',
    });
    expect((await issuer.push(`${base}/sets`, w.token)).status).toBe(202);
    r = await api(hiroshima.token, 'POST', `/api/v1/archive/${archiveId}/recheck`);
    expect(r.json.checks.find((c: any) => c.name === 'status')).toMatchObject({ result: 'failed' });
    const record = await api(hiroshima.token, 'GET', `/api/v1/archive/${archiveId}`);
    expect(record.json.status).toBe('withdrawn');
    const web = new WebClient(base);
    await web.login('tanaka', hiroshima.password);
    const page = await web.get(`/archive/${archiveId}`);
    expect(page.text).toMatch(/class="flag"/); // withdrawn since it was filed
  });
});

describe('shosho recheck', () => {
  it('re-verifies every record of the organisation, reports progress and writes the reports to a file; exit 1 when one failed', async () => {
    const report = path.join(tmp, 'recheck.json');
    const run = promisify(execFile)(process.execPath, ['bin/shosho.js', 'recheck', '--org', 'hiroshima', '--report', report], {
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
    });
    const failure = await run.then(
      () => null,
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(failure?.code).toBe(1); // the tampered PDF above
    expect(failure!.stdout).toMatch(/rechecked 1: 0 passed, 1 failed, 0 indeterminate/);
    expect(failure!.stderr).toMatch(/1\/1/);
    const written = JSON.parse(fs.readFileSync(report, 'utf8'));
    expect(written.summary).toMatchObject({ total: 1, failed: 1 });
    expect(written.reports[0].checks.find((c: { name: string }) => c.name === 'pdf-digest').result).toBe('failed');
    const [logged] = await db.sql`select count(*)::int as n from audit_log where action = 'archive.recheck' and actor like 'cli:%'`;
    expect(logged!.n).toBe(1);
  });
});

describe('the archive list, search and CSV', () => {
  it('finds records by part of the number (also typed full-width with dashes), kind and status, and exports CSV for Excel', async () => {
    const { id } = await issueAndUnlock('2080005678', 'SE12AR34');
    expect((await api(hiroshima.token, 'POST', `/api/v1/certificates/${id}/archive`, {})).status).toBe(201);
    const byNumber = await api(hiroshima.token, 'GET', `/api/v1/archive?q=${encodeURIComponent('２０８０−００５６')}`);
    expect(byNumber.json.items.map((i: any) => i.number)).toEqual(['2080005678']);
    const withdrawn = await api(hiroshima.token, 'GET', '/api/v1/archive?status=withdrawn');
    expect(withdrawn.json.items.map((i: any) => i.number)).toEqual(['2080001234']);
    const bad = await api(hiroshima.token, 'GET', '/api/v1/archive?kind=bogus');
    expect(bad.status).toBe(422);
    expect(bad.json.error.message).toContain('kind');

    const web = new WebClient(base);
    await web.login('tanaka', hiroshima.password);
    const list = await web.get('/archive?q=2080');
    expect(list.status).toBe(200);
    expect(list.text).toContain('2080005678');
    const csv = await web.get('/archive.csv');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.text.charCodeAt(0)).toBe(0xfeff);
    expect(csv.text).toContain('保証契約番号');
    expect(csv.text.split('\r\n').filter(Boolean)).toHaveLength(3);
  });
});

describe('another organisation reaches nothing in the archive', () => {
  it('archive ids answer 404 to its token and its clerks, for the record, PDF, SET and recheck', async () => {
    const [row] = await db.sql`select id from archive_records limit 1`;
    const id = row!.id as string;
    for (const p of [`/api/v1/archive/${id}`, `/api/v1/archive/${id}/pdf`, `/api/v1/archive/${id}/jws`]) {
      expect((await api(okayama.token, 'GET', p)).status).toBe(404);
    }
    expect((await api(okayama.token, 'POST', `/api/v1/archive/${id}/recheck`)).status).toBe(404);
    expect((await api(okayama.token, 'GET', '/api/v1/archive')).json.items).toEqual([]);
    const web = new WebClient(base);
    await web.login('yamada', okayama.password);
    for (const p of [`/archive/${id}`, `/archive/${id}/pdf`, `/archive/${id}/jws`]) expect((await web.get(p)).status).toBe(404);
    await web.get('/archive');
    expect((await web.post(`/archive/${id}/recheck`, {})).status).toBe(404);
  });
});

describe('without a browser', () => {
  it('the service still runs and PDF routes answer 503, telling a clerk to print or ask the administrator (never apt-get)', async () => {
    const svc = await startTestService(db, { CHROMIUM_PATH: '/nonexistent/chromium' });
    try {
      const { id } = await (async () => {
        const r = await api(hiroshima.token, 'POST', '/api/v1/lookup', { number: '2080005678', authKey: 'SE12AR34' });
        return r.json as { id: string };
      })();
      const res = await fetch(`${svc.url}/api/v1/certificates/${id}/pdf`, { headers: { authorization: `Bearer ${hiroshima.token}` } });
      expect(res.status).toBe(503);
      const body = await res.json();
      expect(body.error.code).toBe('pdf_unavailable');
      expect(body.error.message).toMatch(/管理者|administrator/);
      expect(body.error.message).not.toMatch(/apt-get|chromium/i);
      expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
    } finally {
      await svc.stop();
    }
  });
});
