import { spawn } from 'node:child_process';
import { scrypt } from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScryptPool, type ScryptParams } from '../src/auth/index.js';
import { SCRYPT_NICE } from '../src/auth/scrypt-pool.js';
import { ScryptThreads, type Derivation } from '../src/auth/scrypt-threads.js';
import { scryptMaxmem } from '../src/domain/index.js';
import { createLogger, silentLogger } from '../src/log/index.js';

// Issue 18: key checks run on threads of their own at a lower CPU priority, so that guessing uses
// spare CPU and the event loop, PostgreSQL and the browser come first.

/** Field `n` (from 1) of /proc/self/task/<tid>/stat, counted after the name in parentheses (field 2). */
function statField(tid: number, n: number): number {
  const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n - 3]);
}
const niceOf = (tid: number) => statField(tid, 19);
const policyOf = (tid: number) => statField(tid, 41);
const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

function reference(secret: string | Buffer, salt: Buffer, params: ScryptParams, keylen: number): Promise<Buffer> {
  const options = { N: 2 ** params.ln, r: params.r, p: params.p, maxmem: scryptMaxmem(params.ln, params.r) };
  return new Promise((resolve, reject) => scrypt(secret, salt, keylen, options, (e, key) => (e ? reject(e) : resolve(key))));
}

const LN14 = { ln: 14, r: 8, p: 1 };
const derivation = (secret: string): Derivation => ({
  secret,
  salt: Buffer.from('salt of sixteen!'),
  keylen: 32,
  options: { N: 2 ** 14, r: 8, p: 1, maxmem: scryptMaxmem(14, 8) },
});

describe('the threads deriving keys', () => {
  it('each run at the lowered priority (nice 19, SCHED_IDLE), as many as the concurrency, while the rest of the process keeps its own', async () => {
    const before = niceOf(process.pid);
    const pool = new ScryptPool(2);
    try {
      // two jobs at once: both threads start
      await Promise.all((['lookup', 'login'] as const).map((lane) => pool.run(lane, (derive) => derive('key', Buffer.alloc(16), LN14))));
      const tids = pool.threadIds();
      expect(tids).toHaveLength(2);
      expect(new Set(tids).size).toBe(2);
      expect(tids).not.toContain(process.pid);
      expect(tids.map(niceOf)).toEqual([SCRYPT_NICE, SCRYPT_NICE]);
      expect(tids.map(policyOf)).toEqual([SCHED_IDLE, SCHED_IDLE]);
      expect(niceOf(process.pid)).toBe(before);
      expect(policyOf(process.pid)).toBe(SCHED_OTHER);
    } finally {
      await pool.close();
    }
  });

  it('give the same bytes as crypto.scrypt', async () => {
    const pool = new ScryptPool(2);
    try {
      const salt = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
      const cases: [string | Buffer, ScryptParams, number][] = [
        ['QW12ER34TY56', LN14, 32],
        ['パスワード', LN14, 64],
        [Buffer.from([0, 1, 2, 255]), { ln: 15, r: 8, p: 1 }, 32],
        ['', { ln: 14, r: 8, p: 2 }, 16],
      ];
      for (const [secret, params, keylen] of cases) {
        expect((await pool.derive(secret, salt, params, keylen)).equals(await reference(secret, salt, params, keylen))).toBe(true);
      }
    } finally {
      await pool.close();
    }
  });

  it('a thread that crashes rejects its derivation (never a hang) and is replaced for the next one', async () => {
    const threads = new ScryptThreads(1, SCRYPT_NICE, silentLogger);
    try {
      await threads.derive(derivation('first'));
      const [crashed] = threads.threadIds();
      // a message the thread cannot take: it throws outside any handler, and the thread dies
      await expect(threads.derive(null as unknown as Derivation)).rejects.toThrow();
      const key = await threads.derive(derivation('after'));
      expect(key.key.equals(await reference('after', Buffer.from('salt of sixteen!'), LN14, 32))).toBe(true);
      expect(threads.threadIds()).toHaveLength(1);
      expect(threads.threadIds()).not.toContain(crashed);
    } finally {
      await threads.close();
    }
  });

  it('stopped while deriving, they reject what runs and what waits, and take nothing after', async () => {
    const pool = new ScryptPool(1);
    const running = pool.derive('slow', Buffer.alloc(16), { ln: 16, r: 8, p: 1 });
    const waiting = pool.derive('next', Buffer.alloc(16), LN14);
    await new Promise((r) => setTimeout(r, 50));
    await pool.close();
    await expect(running).rejects.toThrow(/stopped/);
    await expect(waiting).rejects.toThrow(/stopped/);
    await expect(pool.derive('late', Buffer.alloc(16), LN14)).rejects.toThrow(/stopped/);
  });

  it('where a thread cannot lower its nice value it derives at the normal one, and says so once', async () => {
    const warnings: string[] = [];
    const log = createLogger('warn', {}, (line) => warnings.push(line));
    const threads = new ScryptThreads(2, 20, log); // refused as setpriority would be refused on a system without it
    try {
      const keys = await Promise.all([threads.derive(derivation('a')), threads.derive(derivation('b'))]);
      expect(keys[0]!.key.equals(await reference('a', Buffer.from('salt of sixteen!'), LN14, 32))).toBe(true);
      expect(threads.threadIds()).toHaveLength(2);
      expect(threads.threadIds().map(niceOf)).toEqual([niceOf(process.pid), niceOf(process.pid)]);
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0]!)).toMatchObject({
        level: 'warn',
        msg: expect.stringContaining('higher CPU priority than meant'),
        problems: [expect.stringMatching(/^nice 20: /)],
      });
    } finally {
      await threads.close();
    }
  });

  it('keep a command alive while it derives and let it exit once idle', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/derive-once.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    clearTimeout(timer);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(out.trim()).toBe((await reference('correct horse', Buffer.from('0123456789abcdef'), LN14, 32)).toString('hex'));
  });
});
