import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CONTENDERS = 3;
const ROUNDS = 30;

interface Contender {
  child: ChildProcess;
  next(): Promise<string>;
}

/** A process holding lock-contender.ts, and the lines it answers, one at a time. */
function contender(dataDir: string): Contender {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/lock-contender.ts', dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => (waiting.length ? waiting.shift()!(line) : lines.push(line)));
  return { child, next: () => (lines.length ? Promise.resolve(lines.shift()!) : new Promise((resolve) => waiting.push(resolve))) };
}

let dataDir: string;
let contenders: Contender[];
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-lock-'));
  contenders = Array.from({ length: CONTENDERS }, () => contender(dataDir));
  for (const c of contenders) expect(await c.next()).toBe('ready');
}, 60_000);
afterAll(() => {
  for (const c of contenders ?? []) c.child.kill();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the embedded database lock', () => {
  it(`with a stale lock file left by a crash, ${CONTENDERS} processes starting at once: exactly one gets the directory, ${ROUNDS} times out of ${ROUNDS}`, async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!; // a process id that no longer runs
    const winners: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      fs.writeFileSync(path.join(dataDir, 'shosho.lock'), String(dead));
      const at = Date.now() + 30;
      for (const c of contenders) c.child.stdin!.write(`go ${at}\n`);
      const answers = await Promise.all(contenders.map((c) => c.next()));
      const holders = answers.flatMap((a, i) => (a === 'locked' ? [i] : []));
      winners.push(holders.length);
      expect(answers.filter((a) => a !== 'locked').every((a) => a === 'refused DataDirInUse')).toBe(true);
      for (const i of holders) {
        contenders[i]!.child.stdin!.write('release\n');
        expect(await contenders[i]!.next()).toBe('released');
      }
    }
    expect(winners).toEqual(Array(ROUNDS).fill(1));
  }, 120_000);

  it('a holder killed with SIGKILL frees the directory at once for the next process', async () => {
    const holder = contender(dataDir);
    expect(await holder.next()).toBe('ready');
    holder.child.stdin!.write(`go ${Date.now()}\n`);
    expect(await holder.next()).toBe('locked');
    contenders[0]!.child.stdin!.write(`go ${Date.now()}\n`);
    expect(await contenders[0]!.next()).toBe('refused DataDirInUse');
    const exited = new Promise((resolve) => holder.child.on('exit', resolve));
    holder.child.kill('SIGKILL');
    await exited;
    contenders[0]!.child.stdin!.write(`go ${Date.now()}\n`);
    expect(await contenders[0]!.next()).toBe('locked');
    contenders[0]!.child.stdin!.write('release\n');
    expect(await contenders[0]!.next()).toBe('released');
  }, 60_000);
});
