// One thread that derives scrypt keys for ScryptThreads (scrypt-threads.ts), at a lower CPU priority
// than the rest of the process. Plain JavaScript so that it starts without a TypeScript loader.
// Start: workerData { nice }; first message out { tid, unniced }: the thread's id (null where there is
// no /proc/thread-self) and why it runs at normal priority (null when lowered).
// Input: { secret, salt, keylen, options } (crypto.scryptSync's). Output: { key: Uint8Array, ms } | { error }.
import { scryptSync } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * Linux applies setpriority(PRIO_PROCESS, tid) to that one thread, so only this thread gives way;
 * /proc/thread-self ("PID/task/TID") is how a thread learns its own id.
 */
function lowerOwnPriority(nice) {
  let tid = null;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    setPriority(tid, nice);
    return { tid, unniced: null };
  } catch (e) {
    return { tid, unniced: e instanceof Error ? e.message : String(e) };
  }
}

parentPort.postMessage(lowerOwnPriority(workerData.nice));

// scryptSync, not scrypt: the async one would run on libuv's pool, at the process's priority
parentPort.on('message', ({ secret, salt, keylen, options }) => {
  const started = performance.now();
  let key;
  try {
    key = new Uint8Array(scryptSync(secret, salt, keylen, options));
  } catch (e) {
    parentPort.postMessage({ error: e instanceof Error ? e.message : String(e) });
    return;
  }
  parentPort.postMessage({ key, ms: performance.now() - started }, [key.buffer]);
});
