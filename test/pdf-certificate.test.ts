/**
 * The certificate PDF as a clerk gets it from the service (real Chromium, real fonts): one A4
 * page with its status and verification summary, a footer in the clerk's language, a title that
 * fits on one line, and a 503 that speaks to a clerk when there is no browser.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CERTIFICATE_EVENT, changeRevision, type ReferenceIssuer } from '../reference-issuer/index.js';
import type { TestDatabase } from './helpers/db.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate, digestFor } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';
import { startTestService } from './helpers/service.js';

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let clerk: { password: string; token: string };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-pdf-certificate-'));
const run = (tool: string, ...args: string[]) => execFileSync(tool, args, { encoding: 'utf8' });

async function pushAndUnlock(payload: Awaited<ReturnType<typeof certificate>>, key: string) {
  const s = await issuer.sign(CERTIFICATE_EVENT, payload);
  expect((await issuer.push(`${base}/sets`, s.token)).status).toBe(202);
  const r = await apiCall(base, clerk.token, 'POST', '/api/v1/lookup', { number: payload.number, authKey: key });
  expect(r.status).toBe(200);
  return r.json.id as string;
}

async function pdfOf(id: string, lang: 'ja' | 'en'): Promise<string> {
  const r = await apiCall(base, clerk.token, 'GET', `/api/v1/certificates/${id}/pdf?lang=${lang}`);
  expect(r.status).toBe(200);
  const file = path.join(tmp, `${id}-${lang}.pdf`);
  fs.writeFileSync(file, r.buf);
  return file;
}

const pagesOf = (file: string) => Number(/^Pages:\s+(\d+)$/m.exec(run('pdfinfo', file))?.[1]);

beforeAll(async () => {
  // as a balancer would: nothing is asked before /readyz answers 200, which waits for the browser's warm-up
  fx = await serviceWithIssuer({ SHOSHO_PDF_WARMUP: 'true' });
  ({ db, issuer, base } = fx);
  await vi.waitFor(async () => expect((await fetch(`${base}/readyz`)).status).toBe(200), { timeout: 120_000, interval: 100 });
  clerk = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [{ username: 'tanaka', role: 'clerk' }]);
});
afterAll(async () => {
  await fx?.close();
  if (!process.env.KEEP) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the certificate PDF', () => {
  // revision 0 with special terms, superseded by a change revision (status detail and changes summary)
  let first: string;
  let change: string;

  beforeAll(async () => {
    const rev0 = await certificate('2080004323', 'PD12FN34', 'advance_payment', 3);
    first = await pushAndUnlock(rev0, 'PD12FN34');
    const rev1 = { ...changeRevision(rev0, 1, await digestFor('PD56FN78'), '2024-09-02'), obligee: rev0.obligee };
    change = await pushAndUnlock(rev1, 'PD56FN78');
  });

  it('is one A4 page with the form, its status and the verification summary, in both languages', async () => {
    for (const id of [first, change]) {
      for (const lang of ['ja', 'en'] as const) {
        const file = await pdfOf(id, lang);
        expect(pagesOf(file), `${id} ${lang}`).toBe(1);
        expect(run('pdfinfo', file)).toMatch(/Page size:\s+595\.\d* x 841\.\d* pts \(A4\)/);
        const text = run('pdftotext', file, '-');
        const [status, verification] = lang === 'ja' ? ['証書の状態', '電子署名の検証'] : ['Status', 'Signature verification'];
        expect(text).toContain(status);
        expect(text).toContain(verification);
      }
    }
  });

  it('has its footer in the language of the PDF', async () => {
    const en = run('pdftotext', await pdfOf(change, 'en'), '-');
    expect(en).toContain('Page 1 of 1');
    expect(en).toMatch(/Made \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} JST/);
    expect(en).toContain('Guarantee contract number 2080004323');
    expect(en).not.toMatch(/ページ|作成 /);
    const ja = run('pdftotext', await pdfOf(change, 'ja'), '-');
    expect(ja).toContain('ページ 1 / 1');
    expect(ja).toMatch(/作成 \d{4}年/);
  });

  it('sets the English title on one line, not letter-spaced', async () => {
    const lines = run('pdftotext', '-layout', await pdfOf(first, 'en'), '-').split('\n');
    expect(lines.some((line) => line.trim() === 'Advance Payment Guarantee Certificate')).toBe(true);
  });
});

describe('without a browser', () => {
  it('a PDF answers 503 in words for a clerk; the operator finds the fix in the log', async () => {
    const svc = await startTestService(db, { CHROMIUM_PATH: '/nonexistent/chromium' });
    try {
      const id = await pushAndUnlock(await certificate('2080004324', 'PD90FN12', 'contract', 2), 'PD90FN12');
      for (const lang of ['ja', 'en'] as const) {
        const res = await fetch(`${svc.url}/api/v1/certificates/${id}/pdf?lang=${lang}`, { headers: { authorization: `Bearer ${clerk.token}` } });
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('10');
        const body = await res.json();
        expect(body.error.code).toBe('pdf_unavailable');
        expect(body.error.message).not.toMatch(/apt|chromium|CHROMIUM_PATH|Debian|browser|ブラウザ/i);
        expect(body.error.message).toMatch(lang === 'ja' ? /印刷/ : /print/i);
      }
    } finally {
      await svc.stop();
    }
  });
});
