/**
 * The commands docs/ states are run as written: the auditor's by-hand checks against a real filed
 * PDF (test/vectors/certificate.pdf), and they must fail on a PDF whose SET was changed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { readPdfAttachments } from '../src/pdf/index.js';
import { API_OPERATIONS } from '../src/web/api-operations.js';

const shellBlocks = (file: string) => [...fs.readFileSync(file, 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);

function runAll(blocks: string[], pdf: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-docs-'));
  try {
    return blocks.map((block) => spawnSync('bash', ['-euo', 'pipefail', '-c', block], { cwd: dir, env: { ...process.env, PDF: pdf }, encoding: 'utf8' }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("docs/auditing.md: the auditor's by-hand checks", () => {
  const blocks = shellBlocks('docs/auditing.md');

  it('run as written against a filed PDF, and say what shosho verify says', () => {
    expect(blocks.length).toBe(5);
    const runs = runAll(blocks, path.resolve('test/vectors/certificate.pdf'));
    for (const [i, r] of runs.entries()) expect(r.status, `block ${i + 1}: ${r.stderr}`).toBe(0);
    const out = runs.map((r) => r.stdout).join('\n');
    expect(out).toContain('3 embedded files');
    expect(out).toContain('SET digest matches');
    expect(out).toContain("typ: 'secevent+jwt'");
    expect(out).toMatch(/ES256 golden-es256-2024 signature valid/);
    expect(out).toMatch(/^passed\njws-digest: passed/m);
    const cli = spawnSync(process.execPath, ['bin/shosho.cjs', 'verify', 'test/vectors/certificate.pdf', '--jwks', 'test/vectors/issuer-jwks.json', '--json'], {
      encoding: 'utf8',
    });
    expect(JSON.parse(cli.stdout).result).toBe('passed');
  });

  it('fail on a PDF whose SET was altered', async () => {
    const original = fs.readFileSync('test/vectors/certificate.pdf');
    const attachments = await readPdfAttachments(new Uint8Array(original));
    const jws = Buffer.from(attachments.get('certificate.jws')!).toString('utf8');
    const [h, p, s] = jws.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8'));
    claims.jti = `${claims.jti}-altered`;
    const doc = await PDFDocument.create();
    doc.addPage();
    await doc.attach(Buffer.from(`${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`), 'certificate.jws', {
      mimeType: 'application/jose',
    });
    await doc.attach(Buffer.from(attachments.get('issuer-jwks.json')!), 'issuer-jwks.json', { mimeType: 'application/json' });
    await doc.attach(Buffer.from(attachments.get('verification.json')!), 'verification.json', { mimeType: 'application/json' });
    const altered = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-docs-')), 'altered.pdf');
    fs.writeFileSync(altered, await doc.save());
    const runs = runAll(blocks, altered);
    expect(runs[1]!.status).not.toBe(0);
    expect(runs[3]!.status).toBe(1);
    expect(runs[3]!.stdout).toContain('SIGNATURE INVALID');
    fs.rmSync(path.dirname(altered), { recursive: true, force: true });
  });
});

describe('docs/api.md', () => {
  it('names only routes the OpenAPI document has', () => {
    const text = fs.readFileSync('docs/api.md', 'utf8');
    const named = [...text.matchAll(/\b(GET|POST|PUT|DELETE)\s+`?(\/api\/v1\/[^\s`?]*)/g)].map(
      (m) => `${m[1]!.toLowerCase()} ${m[2]!.replace(/\{(\w+)\}/g, ':$1')}`,
    );
    expect(named.length).toBeGreaterThan(10);
    const documented = new Set(API_OPERATIONS.map((op) => `${op.method} ${op.path}`));
    expect(named.filter((route) => !documented.has(route))).toEqual([]);
  });
});
