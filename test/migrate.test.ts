import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationsCurrent, MIGRATIONS_DIR, lockDataDir, openDatabase, readMigrations } from '../src/db/index.js';
import { silentLogger } from '../src/log/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

describe('migrations on PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(() => db.drop());

  it('apply every file on a fresh database, then again as a no-op', async () => {
    const all = readMigrations().map((m) => m.file);
    expect(all.length).toBeGreaterThan(1);
    expect(await migrate(db.sql)).toEqual({ applied: all });
    expect(await migrate(db.sql)).toEqual({ applied: [] });
    expect(await migrationsCurrent(db.sql)).toBe(true);
    const rows = await db.sql`select version, checksum from schema_migrations order by version`;
    expect(rows.map((r) => r.checksum)).toEqual(readMigrations().map((m) => m.checksum));
  });

  it('refuses to start when an applied migration was edited, and changes nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-sql-'));
    for (const f of fs.readdirSync(MIGRATIONS_DIR)) fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
    const first = fs.readdirSync(dir).sort()[0]!;
    fs.appendFileSync(path.join(dir, first), '\n-- edited after it was applied\n');
    await expect(migrate(db.sql, dir)).rejects.toThrow(new RegExp(`${first.replace('.', '\\.')} was changed after it was applied`));
    expect(await migrationsCurrent(db.sql, dir)).toBe(false);
    expect(await migrationsCurrent(db.sql)).toBe(true);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('two instances migrating one fresh database at once', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(() => db.drop());

  it('apply each migration exactly once between them', async () => {
    const [a, b] = await Promise.all([migrate(db.sql), migrate(db.sql)]);
    const applied = [...a!.applied, ...b!.applied].sort();
    expect(applied).toEqual(
      readMigrations()
        .map((m) => m.file)
        .sort(),
    );
  });
});

describe('migrations on the embedded PGlite', () => {
  it('apply the same files, and survive close and reopen', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-pglite-'));
    const first = await openDatabase({ dataDir, log: silentLogger });
    try {
      expect(first.kind).toBe('pglite');
      expect((await migrate(first.sql)).applied.length).toBe(readMigrations().length);
      await first.sql`insert into issuers (id, iss, name, jwks_uri) values ('x', 'https://x.example', 'X', 'https://x.example/jwks')`;
    } finally {
      await first.close();
    }
    const again = await openDatabase({ dataDir, log: silentLogger });
    try {
      expect(await migrate(again.sql)).toEqual({ applied: [] });
      const [row] = await again.sql`select name from issuers where id = 'x'`;
      expect(row?.name).toBe('X');
    } finally {
      await again.close();
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps a second process off a data directory that is in use', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-pglite-'));
    const release = await lockDataDir(dataDir); // as the process using it holds it
    await expect(openDatabase({ dataDir, log: silentLogger })).rejects.toThrow(/in use by process/);
    release();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
