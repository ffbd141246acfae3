import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { startServeProcess, type ServeProcess } from './helpers/serve-process.js';

let db: TestDatabase;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-tmpdir-'));
const running: ServeProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  // a graceful stop closes the browser; the SIGKILLed one's browser leaves once its pipe closes,
  // and may still be writing its profile, so the folder is removed with retries
  for (const s of running) s.child.kill('SIGTERM');
  await Promise.all(running.map((s) => s.exited));
  await db?.drop();
  fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
});

const serve = async () => {
  const s = await startServeProcess({ DATABASE_URL: db.url, TMPDIR: tmp, SHOSHO_PDF_WARMUP: 'true' });
  running.push(s);
  return s;
};
const profilesOf = (pid: number) => fs.readdirSync(tmp).filter((n) => n.startsWith(`shosho-chromium-${pid}-`));

/** Resolves once `done()` holds for the temp folder; fails if the service exits meanwhile. */
async function until(done: () => boolean, svc: ServeProcess, what: string): Promise<void> {
  while (!done()) {
    if (!svc.alive()) throw new Error(`shosho serve exited while waiting for ${what}:\n${svc.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Chromium profiles left by a crashed service', () => {
  it('are removed at the next start; profiles of running processes and folders not ours stay', async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const mine = (name: string) => {
      fs.mkdirSync(path.join(tmp, name));
      fs.writeFileSync(path.join(tmp, name, 'Local State'), '{}');
      return name;
    };
    const leftByDeadProcess = mine(`shosho-chromium-${deadPid}-aB3dE9`);
    const ofLiveProcess = mine(`shosho-chromium-${process.pid}-xY7zQ2`);
    const notOurs = [mine('shosho-chromium-Ab12Cd'), mine('chromium-profile'), mine(`other-${deadPid}-aB3dE9`)];

    const first = await serve();
    await until(() => profilesOf(first.child.pid!).length === 1 && !fs.existsSync(path.join(tmp, leftByDeadProcess)), first, 'the browser and the cleanup');
    first.child.kill('SIGKILL'); // its browser's profile stays behind
    await first.exited;
    const [crashed] = profilesOf(first.child.pid!);
    expect(crashed).toBeDefined();

    const second = await serve();
    await until(() => !fs.existsSync(path.join(tmp, crashed!)) && profilesOf(second.child.pid!).length === 1, second, 'the crashed profile to go');
    for (const kept of [ofLiveProcess, ...notOurs]) expect(fs.existsSync(path.join(tmp, kept))).toBe(true);
  }, 90_000);
});
