import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT } from '../reference-issuer/index.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';

interface Readiness {
  status: string;
  checks: Array<{ name: string; ok: boolean; detail?: unknown }>;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-pdf-warmup-'));
let fx: ServiceFixture;
// every /readyz answer from the moment the service listens until the first 200
const answers: Array<{ status: number; body: Readiness }> = [];

beforeAll(async () => {
  fx = await serviceWithIssuer({ SHOSHO_PDF_WARMUP: 'true' });
  for (;;) {
    const res = await fetch(`${fx.base}/readyz`);
    answers.push({ status: res.status, body: (await res.json()) as Readiness });
    if (res.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});
afterAll(async () => {
  await fx?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const pdfCheck = (body: Readiness) => body.checks.find((c) => c.name === 'pdf');

describe('readiness waits for the PDF warm-up', () => {
  it('answers 503 only while the browser warms up, and 200 once its throwaway PDF is printed', () => {
    for (const { status, body } of answers.slice(0, -1)) {
      expect(status).toBe(503);
      expect(pdfCheck(body)).toEqual({ name: 'pdf', ok: false, detail: 'warming' });
      expect(body.checks.filter((c) => c.name !== 'pdf').every((c) => c.ok)).toBe(true);
    }
    const ready = answers.at(-1)!;
    expect(ready.status).toBe(200);
    expect(pdfCheck(ready.body)).toEqual({ name: 'pdf', ok: true, detail: 'done' });
  });

  it('the first PDF after /readyz 200 is a whole certificate in embedded Japanese fonts', async () => {
    const org = await seedOrganisation(fx.db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [{ username: 'tanaka', role: 'clerk' }]);
    const signed = await fx.issuer.sign(CERTIFICATE_EVENT, await certificate('2080007777', 'WA12RM34', 'interim_advance_payment', 8));
    expect((await fx.issuer.push(`${fx.base}/sets`, signed.token)).status).toBe(202);
    const lookup = await apiCall(fx.base, org.token, 'POST', '/api/v1/lookup', { number: '2080007777', authKey: 'WA12RM34' });
    expect(lookup.status).toBe(200);

    const res = await apiCall(fx.base, org.token, 'GET', `/api/v1/certificates/${lookup.json.id}/pdf`);
    expect(res.status).toBe(200);
    const pdfPath = path.join(tmp, 'first.pdf');
    fs.writeFileSync(pdfPath, res.buf);
    const text = execFileSync('pdftotext', ['-layout', pdfPath, '-']).toString();
    for (const shown of ['中間前払金保証証書', '2080007777', '広島県知事', '保証金額', 'JST']) expect(text).toContain(shown);
    const fonts = execFileSync('pdffonts', [pdfPath]).toString().split('\n').slice(2).filter(Boolean);
    expect(fonts.length).toBeGreaterThan(0);
    for (const row of fonts) expect(row).toMatch(/CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/);
  });
});
