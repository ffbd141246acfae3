// One process contending for the embedded database's lock (test/faults-lock.test.ts): waits for a
// line on standard input — "go T" tries the lock at time T (epoch ms, so that several processes try
// within microseconds of each other), "release" lets go — and answers each on stdout.
import readline from 'node:readline';
import { lockDataDir } from '../../src/db/index.js';

const dataDir = process.argv[2]!;
let release: (() => void) | null = null;
process.stdout.write('ready\n');
for await (const line of readline.createInterface({ input: process.stdin })) {
  if (line.startsWith('go ')) {
    const at = Number(line.slice(3));
    while (Date.now() < at); // spin: a timer would wake each process at a different moment
    try {
      release = await lockDataDir(dataDir);
      process.stdout.write('locked\n');
    } catch (e) {
      process.stdout.write(`refused ${(e as Error).name}\n`);
    }
  } else if (line === 'release') {
    release?.();
    release = null;
    process.stdout.write('released\n');
  }
}
