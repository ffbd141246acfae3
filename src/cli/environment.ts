import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config/index.js';
import { DataDirInUse, openDatabase } from '../db/index.js';
import type { Logger } from '../log/index.js';
import { findChromium } from '../pdf/index.js';

/** One thing shosho needs from its machine: whether it is there, what was found, and how to mend it. */
export interface EnvironmentCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export const CHROMIUM_FIX = "apt-get install chromium (Debian's package), or set CHROMIUM_PATH to a Chromium or Chrome executable";
export const FONTS_FIX = 'apt-get install fonts-ipaexfont-mincho fonts-ipaexfont-gothic';
/** Further apart than this, the database's and this machine's clocks disagree about JST days and lockouts. */
export const MAX_CLOCK_SKEW_MS = 5_000;

export function checkChromium(config: Config): EnvironmentCheck {
  const found = findChromium(config.chromiumPath);
  if (found) return { name: 'chromium', ok: true, detail: found };
  const detail = config.chromiumPath ? `CHROMIUM_PATH=${config.chromiumPath} is not an executable` : 'no Chromium found';
  return { name: 'chromium', ok: false, detail: `${detail}: pages work, PDFs answer 503`, fix: CHROMIUM_FIX };
}

/** The PDFs are set in IPAex Mincho and Gothic; fc-list says whether fontconfig (and so Chromium) has them. */
export async function checkFonts(): Promise<EnvironmentCheck> {
  const listed = await promisify(execFile)('fc-list', [':', 'family']).then(
    (r) => r.stdout,
    () => null,
  );
  if (listed === null) return { name: 'fonts', ok: false, detail: 'fc-list did not run (fontconfig missing)', fix: `apt-get install fontconfig; ${FONTS_FIX}` };
  const missing = ['IPAexMincho', 'IPAexGothic'].filter((family) => !listed.includes(family));
  return missing.length
    ? { name: 'fonts', ok: false, detail: `${missing.join(' and ')} not installed: PDFs would fall back to other fonts`, fix: FONTS_FIX }
    : { name: 'fonts', ok: true, detail: 'IPAexMincho and IPAexGothic' };
}

/** The data directory must exist (or be creatable) and be writable by this user, and no one else's to read. */
export function checkDataDir(dataDir: string): EnvironmentCheck {
  const name = 'data directory';
  let dir = dataDir;
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    return {
      name,
      ok: false,
      detail: `${dir} is not writable by this user`,
      fix: `chown -R $(id -u) ${dataDir}, or set SHOSHO_DATA_DIR to a directory this user owns`,
    };
  }
  if (dir !== dataDir) return { name, ok: true, detail: `${dataDir} (created on first start)` };
  const mode = fs.statSync(dataDir).mode & 0o777;
  if (mode & 0o007) return { name, ok: false, detail: `${dataDir} is open to every user (mode ${mode.toString(8)})`, fix: `chmod o-rwx ${dataDir}` };
  return { name, ok: true, detail: `${dataDir} (mode ${mode.toString(8)})` };
}

/** The database answers, and its clock agrees with this machine's. */
export async function checkDatabase(config: Config, log: Logger): Promise<EnvironmentCheck[]> {
  const kind = config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`;
  let db: Awaited<ReturnType<typeof openDatabase>> | null = null;
  try {
    db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolMax: 1, log });
    const before = Date.now();
    const [row] = await db.sql<{ now: Date }[]>`select now() as now`;
    const skew = row!.now.getTime() - (before + Date.now()) / 2;
    const clock: EnvironmentCheck =
      Math.abs(skew) <= MAX_CLOCK_SKEW_MS
        ? { name: 'clock', ok: true, detail: `the database's clock is ${Math.round(skew)} ms from this machine's` }
        : {
            name: 'clock',
            ok: false,
            detail: `the database's clock is ${(skew / 1000).toFixed(1)} s from this machine's`,
            fix: 'run time synchronisation (systemd-timesyncd or chrony) on both machines',
          };
    return [{ name: 'database', ok: true, detail: kind }, clock];
  } catch (e) {
    if (e instanceof DataDirInUse) return [{ name: 'database', ok: true, detail: `${kind}, in use by a running shosho (clock not checked)` }];
    const fix = config.databaseUrl
      ? 'start PostgreSQL (pg_ctlcluster 15 main start) and check DATABASE_URL (host, port, user, password, database name)'
      : 'check the data directory above; remove a half-written one only if it holds nothing you need';
    return [{ name: 'database', ok: false, detail: `${kind}: ${(e as Error).message}`, fix }];
  } finally {
    await db?.close();
  }
}
