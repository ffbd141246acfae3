import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export class DataDirInUse extends Error {
  override name = 'DataDirInUse';
}

/**
 * Keeps a second process off the embedded database's directory, where it would silently lose
 * writes. On Linux the lock is a listening socket in the abstract namespace named after the
 * directory: binding it is atomic and the kernel frees it when the holder dies however it dies,
 * so there is no stale lock to take over and no race between two processes taking one over (a
 * PID file removed and re-created let two processes starting together both open the directory).
 * `shosho.lock` beside it only names the holder for the message. Elsewhere the PID file is the lock,
 * and one left by a crash is removed by hand (the message says so).
 */
export async function lockDataDir(dataDir: string): Promise<() => void> {
  const pidFile = path.join(dataDir, 'shosho.lock');
  if (process.platform !== 'linux') return lockWithPidFile(pidFile);
  const name = `\0shosho-data-dir-${createHash('sha256').update(fs.realpathSync(dataDir)).digest('hex')}`;
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'EADDRINUSE' ? inUse(dataDir, pidFile) : e);
    });
    server.listen({ path: name, exclusive: true }, resolve);
  });
  server.unref();
  fs.writeFileSync(pidFile, String(process.pid));
  return () => {
    fs.rmSync(pidFile, { force: true });
    server.close();
  };
}

function inUse(dataDir: string, pidFile: string): DataDirInUse {
  let holder = 'another process';
  try {
    holder = `process ${Number(fs.readFileSync(pidFile, 'utf8'))}`;
  } catch {
    /* the holder has not written it yet */
  }
  return new DataDirInUse(`the embedded database in ${dataDir} is in use by ${holder}; stop it first or set DATABASE_URL`);
}

/** Without Linux's abstract sockets: the PID file alone, created exclusively; a crash leaves it behind. */
function lockWithPidFile(pidFile: string): () => void {
  try {
    fs.writeFileSync(pidFile, String(process.pid), { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const error = inUse(path.dirname(pidFile), pidFile);
    error.message += ` (if that process is not running, it crashed: delete ${pidFile})`;
    throw error;
  }
  return () => fs.rmSync(pidFile, { force: true });
}
