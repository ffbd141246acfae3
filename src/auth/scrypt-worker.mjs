// One thread that derives scrypt keys for ScryptThreads (scrypt-threads.ts), at a lower CPU priority
// than the rest of the process. Plain JavaScript so that it starts without a TypeScript loader.
// Start: workerData { nice }; first message out { tid, problems }: the thread's id (null where there is
// no /proc/thread-self) and what of its lowering failed (empty when all of it took).
// Input: { secret, salt, keylen, options } (crypto.scryptSync's). Output: { key: Uint8Array, ms } | { error }.
import { execFileSync } from 'node:child_process';
import { scryptSync } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

const reason = (e) => (e instanceof Error ? e.message : String(e));

/**
 * Linux applies setpriority(PRIO_PROCESS, tid) and sched_setscheduler(tid) to that one thread, so
 * only this thread gives way; /proc/thread-self ("PID/task/TID") is how a thread learns its own id.
 * The nice value alone was measured not to keep the thread out of the way (issue 18: the page's p99
 * while keys were guessed grew ×2.2–4 at nice 0, 10 and 19 alike, on Linux 6.18, where a waking
 * request may first wait out a niced thread's slice); at SCHED_IDLE it grew ×1.0–1.8, as such a
 * thread is preempted at once and its core counts as idle for a waking request. Node cannot set a
 * policy, so util-linux's chrt sets it (one process per thread start).
 */
function lowerOwnPriority(nice) {
  let tid;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
  } catch (e) {
    return { tid: null, problems: [`no thread id: ${reason(e)}`] };
  }
  const problems = [];
  try {
    setPriority(tid, nice);
  } catch (e) {
    problems.push(`nice ${nice}: ${reason(e)}`);
  }
  try {
    execFileSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    problems.push(`SCHED_IDLE: ${reason(e)}`);
  }
  return { tid, problems };
}

parentPort.postMessage(lowerOwnPriority(workerData.nice));

// scryptSync, not scrypt: the async one would run on libuv's pool, at the process's priority
parentPort.on('message', ({ secret, salt, keylen, options }) => {
  const started = performance.now();
  let key;
  try {
    key = new Uint8Array(scryptSync(secret, salt, keylen, options));
  } catch (e) {
    parentPort.postMessage({ error: reason(e) });
    return;
  }
  parentPort.postMessage({ key, ms: performance.now() - started }, [key.buffer]);
});
