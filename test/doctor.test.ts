/** `shosho doctor` against this machine: each missing thing is a FAIL line with its fix, and the exit code says so. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

let db: TestDatabase;
let dataDir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-doctor-'));
});
afterAll(async () => {
  await db.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function doctor(env: Record<string, string>): Promise<{ code: number; out: string }> {
  const base: Record<string, string | undefined> = { ...process.env, SHOSHO_DATA_DIR: dataDir, LOG_LEVEL: 'error', ...env };
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/shosho.cjs', 'doctor'], { env: base }, (error, stdout) => resolve({ code: error ? Number(error.code) : 0, out: stdout }));
  });
}

const line = (out: string, name: string) => out.split('\n').find((l) => l.slice(6).startsWith(name)) ?? '';

describe('shosho doctor', () => {
  it('passes on a machine with everything, checking the database clock', async () => {
    fs.chmodSync(dataDir, 0o700);
    const { code, out } = await doctor({ DATABASE_URL: db.url });
    expect(out).toMatch(/^ok {4}chromium/m);
    expect(out).toMatch(/^ok {4}fonts +IPAexMincho and IPAexGothic/m);
    expect(out).toMatch(/^ok {4}data directory/m);
    expect(out).toMatch(/^ok {4}database +PostgreSQL/m);
    expect(line(out, 'clock')).toMatch(/^ok {4}clock +the database's clock is -?\d+ ms from this machine's/);
    expect(code).toBe(0);
  });

  it('names what is missing and prints the fix for each: no Chromium, a data directory anyone can read, no database', async () => {
    fs.chmodSync(dataDir, 0o777);
    const { code, out } = await doctor({ CHROMIUM_PATH: path.join(dataDir, 'no-such-chromium'), DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    expect(code).toBe(1);
    expect(out).toMatch(/^FAIL {2}chromium +CHROMIUM_PATH=\S+no-such-chromium is not an executable/m);
    expect(out).toMatch(/fix: apt-get install chromium \(Debian's package\), or set CHROMIUM_PATH/);
    expect(out).toMatch(/^FAIL {2}data directory +\S+ is open to every user \(mode 777\)\n +fix: chmod o-rwx /m);
    expect(out).toMatch(/^FAIL {2}database +PostgreSQL: .*\n +fix: start PostgreSQL/m);
  });
});
