/**
 * The rules of ARCHITECTURE.md, held by a tool instead of prose: every relative import in src/ is
 * read and checked against the capability boundaries. A new file that breaks one fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve('src');

interface Import {
  from: string; // file, relative to src/
  to: string; // resolved target, relative to src/ (or the bare package name)
  bare: boolean;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): Import[] {
  const text = fs.readFileSync(file, 'utf8');
  const from = path.relative(SRC, file);
  return [...text.matchAll(IMPORT)].map((m) => {
    const spec = (m[1] ?? m[2])!;
    if (!spec.startsWith('.')) return { from, to: spec, bare: true };
    const target = path.relative(SRC, path.resolve(path.dirname(file), spec)).replace(/\.js$/, '.ts');
    return { from, to: target, bare: false };
  });
}

const capabilityOf = (relative: string) => relative.split(path.sep)[0]!;
const ALL = sourceFiles(SRC).flatMap(importsOf);

/** Imports that do I/O, or drag it in: none of them belongs in the pure domain. */
const IO_MODULES =
  /^(node:)?(fs|fs\/promises|net|http|https|http2|child_process|worker_threads|dgram|dns|tls)$|^(postgres|puppeteer|pdf-lib|@electric-sql\/|@hono\/node-server|nodemailer|pdfjs-dist)/;

describe('capability boundaries (ARCHITECTURE.md)', () => {
  it('reads a real import graph', () => {
    expect(ALL.length).toBeGreaterThan(100);
    expect(ALL.some((i) => i.from.startsWith('domain') && i.to === 'zod')).toBe(true);
  });

  it('other folders import a capability only through its index.ts', () => {
    const crossings = ALL.filter((i) => !i.bare && !i.to.startsWith('..') && capabilityOf(i.from) !== capabilityOf(i.to));
    const throughTheSide = crossings.filter((i) => i.to !== path.join(capabilityOf(i.to), 'index.ts'));
    expect(throughTheSide.map((i) => `${i.from} → ${i.to}`)).toEqual([]);
  });

  it('domain/ does no I/O and depends on no other capability', () => {
    const domain = ALL.filter((i) => capabilityOf(i.from) === 'domain');
    const offending = domain.filter((i) => (i.bare ? IO_MODULES.test(i.to) : capabilityOf(i.to) !== 'domain'));
    expect(offending.map((i) => `${i.from} → ${i.to}`)).toEqual([]);
  });

  it('pdf/ knows no database', () => {
    const offending = ALL.filter((i) => capabilityOf(i.from) === 'pdf' && (i.bare ? /^(postgres|@electric-sql\/)/.test(i.to) : capabilityOf(i.to) === 'db'));
    expect(offending.map((i) => `${i.from} → ${i.to}`)).toEqual([]);
  });

  it('routes never write the audit log directly: the capability that acts records it', () => {
    const offending = ALL.filter((i) => i.from.startsWith(path.join('web', 'routes')) && !i.bare && capabilityOf(i.to) === 'auditlog').filter((i) =>
      /\b(appendAudit|recordAudit)\b/.test(fs.readFileSync(path.join(SRC, i.from), 'utf8')),
    );
    expect(offending.map((i) => i.from)).toEqual([]);
  });

  it('route files do not import each other', () => {
    const routes = path.join('web', 'routes');
    const offending = ALL.filter((i) => i.from.startsWith(routes) && !i.bare && i.to.startsWith(routes));
    expect(offending.map((i) => `${i.from} → ${i.to}`)).toEqual([]);
  });
});
