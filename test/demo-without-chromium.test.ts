/**
 * `npm run demo` on a machine without Chromium: the banner itself says what to install for PDFs
 * (not only a log line), and the pages and the API still work; a PDF answers 503 with a reason.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('shosho demo without Chromium', () => {
  it('prints in its banner what to install, and serves pages and lookups without it', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-demo-nochromium-'));
    const env: Record<string, string | undefined> = {
      ...process.env,
      SHOSHO_DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'error',
      CHROMIUM_PATH: path.join(dataDir, 'no-such-chromium'),
    };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, ['bin/shosho.cjs', 'demo'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let out = '';
    const banner = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('Ctrl-C')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`demo exited (${code}) before its banner:\n${out}`)));
    });
    try {
      await banner;
      expect(out).toMatch(/PDFs +NOT AVAILABLE: pages work, but a PDF answers 503 until you install what is missing/);
      expect(out).toContain('no-such-chromium is not an executable');
      expect(out).toContain("→ apt-get install chromium (Debian's package), or set CHROMIUM_PATH to a Chromium or Chrome executable");

      const url = /URL\s+(http:\/\/\S+?)\/?\n/.exec(out)![1]!;
      const token = /API token\s+(\S+)/.exec(out)![1]!;
      const [, number, authKey] = /^\s+([0-9]{10})\s+([0-9A-Z-]{14})\s/m.exec(out)!;
      expect((await fetch(`${url}/login`)).status).toBe(200);
      const api = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const found = await fetch(`${url}/api/v1/lookup`, { method: 'POST', headers: api, body: JSON.stringify({ number, authKey }) });
      expect(found.status).toBe(200);
      const { id } = (await found.json()) as { id: string };
      const pdf = await fetch(`${url}/api/v1/certificates/${id}/pdf`, { headers: api });
      expect(pdf.status).toBe(503);
      expect((await pdf.json()).error.code).toBe('pdf_unavailable');
    } finally {
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 400_000);
});
