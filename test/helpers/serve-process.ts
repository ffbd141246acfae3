import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AUDIENCE } from './service.js';

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** What the process wrote to standard error so far (its JSON log lines, or the crash). */
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** True while the process runs. */
  alive(): boolean;
}

/**
 * `shosho serve` as its own process (bin/shosho.js, as an operator runs it) on a free port; resolves
 * once it printed its URL, rejects if it exits first.
 */
export function startServeProcess(env: Record<string, string | undefined>): Promise<ServeProcess> {
  // its own data folder (the audit watermark lives there) unless the test gives one, removed at exit
  const ownDataDir = env.SHOSHO_DATA_DIR ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-serve-'));
  const merged: Record<string, string | undefined> = {
    ...process.env,
    ...(ownDataDir ? { SHOSHO_DATA_DIR: ownDataDir } : {}),
    PORT: '0',
    SHOSHO_AUDIENCE: AUDIENCE,
    SHOSHO_POLL_INTERVAL_SECONDS: '3600',
    SHOSHO_PDF_WARMUP: 'false',
    LOG_LEVEL: 'warn',
    ...env,
  };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  const child = spawn(process.execPath, ['bin/shosho.js', 'serve'], { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  let running = true;
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running = false;
      if (ownDataDir) fs.rmSync(ownDataDir, { recursive: true, force: true });
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /shosho: (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, stderr: () => err, exited, alive: () => running });
    });
    void exited.then((code) => reject(new Error(`shosho serve exited (${code}) before listening:\n${err}`)));
  });
}
