import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.js';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
export const ROOT = path.resolve(BENCH_DIR, '..');

export interface Child {
  pid: number;
  /** what the child printed after READY (JSON) */
  ready: Record<string, unknown>;
  logFile: string;
  process: ChildProcess;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the child has exited */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Runs `node --import tsx <script>` with `env` on top of ours, standard error to a log file, and
 * waits for the line `READY <json>` on its standard output. Stopped at cleanup whatever happens.
 */
export async function spawnChild(
  script: string,
  env: Record<string, string>,
  opts: { readyTimeoutMs?: number; label?: string; proto?: string[]; nodeArgs?: string[] } = {},
): Promise<Child> {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-bench-'));
  const logFile = path.join(logDir, `${opts.label ?? path.basename(script, '.ts')}.log`);
  // standard error through a pipe, written to the file by this process: the child's log writes
  // (synchronous in Node for files and pipes alike) then cost what a pipe to a log collector costs,
  // not a disk write each on a disk PostgreSQL is busy with
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  // BENCH_CHILD_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to the children only
  const nodeArgs = [...(opts.nodeArgs ?? []), ...(process.env.BENCH_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  // prototypes of proposed src/ changes (bench/lib/proto), only for figures labelled "proposal"
  const proto = opts.proto?.length ? ['--import', './bench/lib/proto/register.ts'] : [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', ...proto, script], {
    cwd: ROOT,
    env: { ...process.env, ...env, ...(opts.proto?.length ? { BENCH_PROTO: opts.proto.join(',') } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.pipe(log);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async (graceMs = 15_000) => {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(t);
    }
  };
  onCleanup(async () => {
    await stop(5_000);
    log.end();
    fs.rmSync(logDir, { recursive: true, force: true });
  });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(
      () => reject(new Error(`${script} not ready within ${opts.readyTimeoutMs ?? 60_000} ms; log: ${tail(logFile)}`)),
      opts.readyTimeoutMs ?? 60_000,
    );
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const m = /^READY (.*)$/m.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(JSON.parse(m[1]!));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready; log: ${tail(logFile)}`));
    });
  });
  child.stdout!.resume();
  return { pid: child.pid!, ready, logFile, process: child, stop };
}

export function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Resident set size of a process in bytes, from /proc. */
export function rssOf(pid: number): number {
  return statusBytes(pid, 'VmRSS');
}

/** The most a process has had resident since it started, in bytes, from /proc. */
export function peakRssOf(pid: number): number {
  return statusBytes(pid, 'VmHWM');
}

function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Children of a process (e.g. Chromium under the service), from /proc. */
export function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  const parents = new Map<number, number[]>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(d));
      parents.set(ppid, list);
    } catch {
      /* gone */
    }
  }
  const walk = (p: number) => {
    for (const c of parents.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** A temporary directory removed at cleanup. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `shosho-bench-${prefix}-`));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
