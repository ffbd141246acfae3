import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('shosho demo', () => {
  it('serves on the embedded database, is fed by its issuer, and every printed number/key pair works', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-demo-'));
    const env: Record<string, string | undefined> = { ...process.env, SHOSHO_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, ['bin/shosho.js', 'demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      for (let i = 0; i < 600 && !out.includes('Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain('Ctrl-C');
      const url = /URL\s+(http:\/\/\S+?)\/?\n/.exec(out)![1]!;
      const token = /API token\s+(\S+)/.exec(out)![1]!;
      const pairs = [...out.matchAll(/^\s+([0-9A-Z]{6,20})\s+([0-9A-Z-]{14})\s+.*$/gm)].map((m) => ({ number: m[1]!, authKey: m[2]!, line: m[0] }));
      expect(pairs.length).toBeGreaterThanOrEqual(11);
      // pairs from both issuers: the 保証事業会社's 10-digit numbers and the insurer's 証券番号
      expect(pairs.filter((p) => /^[0-9]{10}$/.test(p.number)).length).toBeGreaterThanOrEqual(8);
      expect(pairs.filter((p) => p.line.includes('公共工事履行保証証券')).length).toBe(2);
      expect(pairs.filter((p) => p.line.includes('履行保証保険')).length).toBe(1);
      for (const p of pairs) {
        const res = await fetch(`${url}/api/v1/lookup`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ number: p.number, authKey: p.authKey }),
        });
        const body = await res.json();
        if (p.line.includes('other_obligee')) {
          expect(res.status).toBe(403);
        } else {
          expect(res.status, p.line).toBe(200);
          expect(body.certificate.number).toBe(p.number);
          if (p.line.includes('withdrawn')) expect(body.status).toBe('withdrawn');
        }
      }
      expect((await fetch(`${url}/login`)).status).toBe(200);
      // the sample ledger: complete, incomplete, one mismatch, one needing a 変更 key
      for (const [reference, state] of [
        ['デモ-完了', 'complete'],
        ['デモ-未提出', 'incomplete'],
        ['デモ-不一致', 'attention'],
        ['デモ-要変更', 'attention'],
      ]) {
        expect(out).toMatch(new RegExp(`${reference}\\S*\\s+${state}\\b`));
      }
      // the key-notice PDFs it printed read back to pairs it listed; the two side by side on one page each with its own key
      const notices = [...out.matchAll(/^\s+(\S+\.pdf)$/gm)].map((m) => m[1]!);
      expect(notices.map((f) => path.basename(f))).toEqual([
        'notices-two-on-one-page.pdf',
        'notices-one-per-page.pdf',
        'notice-table.pdf',
        'notices-side-by-side.pdf',
      ]);
      const form = new FormData();
      for (const f of notices) form.append('file', new Blob([fs.readFileSync(f)], { type: 'application/pdf' }), path.basename(f));
      const read = await (await fetch(`${url}/api/v1/notices/read`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form })).json();
      expect(read.problems).toEqual([]);
      expect(read.items.map((i: { number: string }) => i.number)).toEqual(pairs.slice(0, 7).map((p) => p.number));
      const sideBySide = read.items.filter((i: { source: string }) => i.source === 'notices-side-by-side.pdf p.1');
      expect(sideBySide.map((i: { number: string; authKey: string }) => [i.number, i.authKey])).toEqual(
        pairs.slice(5, 7).map((p) => [p.number, p.authKey.replaceAll('-', '')]),
      );
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
