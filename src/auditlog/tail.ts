import fs from 'node:fs';
import path from 'node:path';
import type { Sql } from '../db/index.js';

/** The newest audit entry this service saw committed, kept outside the database. */
export interface AuditWatermark {
  seq: number;
  hash: string;
  seenAt: string;
}

/** The log no longer holds an entry the service saw committed: its tail was lost or rewritten. */
export interface LostTail {
  seq: number;
  recorded: AuditWatermark;
  /** the last seq the log holds now (0 when empty) */
  lastSeq: number;
  kind: 'missing' | 'different';
  /** where the watermark is kept */
  file: string;
}

/**
 * The hash chain proves that no entry was changed or removed from the middle, but a log that lost
 * its newest entries (a restored backup, a second process writing the same embedded database) is
 * still a valid chain. So the service writes the newest committed entry it sees to a file beside
 * its data, and `/audit/verify` checks that the log still holds that entry, unchanged. The file
 * only ever moves forward over the same chain: once the recorded entry is missing or different it
 * stays, as the evidence, until an operator looks at it.
 */
export class AuditTailKeeper {
  private timer: NodeJS.Timeout | null = null;
  private recording: Promise<void> = Promise.resolve();
  private reported = false;

  constructor(
    private readonly sql: Sql,
    readonly file: string,
    private readonly onLost: (lost: LostTail) => void,
  ) {}

  static fileIn(dataDir: string): string {
    return path.join(dataDir, 'audit-watermark.json');
  }

  start(intervalMs: number): void {
    const tick = () => {
      this.recording = this.record().catch(() => {}); // the database being away is reported elsewhere; try next time
      this.timer = setTimeout(() => void this.recording.then(tick), intervalMs).unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.recording;
  }

  /** Moves the watermark to the newest committed entry, if the log still holds the recorded one. */
  async record(): Promise<void> {
    const lost = await this.check();
    if (lost) {
      if (!this.reported) this.onLost(lost);
      this.reported = true;
      return;
    }
    const [last] = await this.sql<{ seq: string; hash: string }[]>`select seq, hash from audit_log order by seq desc limit 1`;
    const recorded = this.read();
    if (!last || (recorded && Number(last.seq) <= recorded.seq)) return;
    const next: AuditWatermark = { seq: Number(last.seq), hash: last.hash, seenAt: new Date().toISOString() };
    // asynchronous: the fsync takes milliseconds, and the pages being served should not wait for it
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const file = await fs.promises.open(tmp, 'w');
    try {
      await file.writeFile(`${JSON.stringify(next)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await fs.promises.rename(tmp, this.file);
  }

  /** null when the log holds the recorded entry unchanged (or nothing was recorded yet). */
  async check(): Promise<LostTail | null> {
    const recorded = this.read();
    if (!recorded) return null;
    const [row] = await this.sql<{ hash: string | null; last: string | null }[]>`
      select (select hash from audit_log where seq = ${recorded.seq}) as hash, (select max(seq) from audit_log) as last`;
    if (row!.hash === recorded.hash) return null;
    return { seq: recorded.seq, recorded, lastSeq: Number(row!.last ?? 0), kind: row!.hash === null ? 'missing' : 'different', file: this.file };
  }

  private read(): AuditWatermark | null {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as AuditWatermark;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }
}
