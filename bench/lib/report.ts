import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './child.js';
import { describeMachine, loadavg } from './machine.js';
import { table } from './stats.js';

export const BENCHMARKS_MD = path.join(ROOT, 'BENCHMARKS.md');

export interface Figure {
  figure: string;
  measured: string;
  /** the raw cost of the same work, measured in the same run ('' when the target is absolute) */
  raw: string;
  ratio: string;
  target: string;
  met: boolean | null;
}

/**
 * What one benchmark prints and writes: its figures next to the raw figure of the same run, the
 * ratio, the target and whether it was met, with the command, machine and load average. The
 * section between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in BENCHMARKS.md is replaced;
 * BENCH_NO_WRITE=1 prints only.
 */
export class Report {
  readonly figures: Figure[] = [];
  private readonly notes: string[] = [];
  private readonly started = new Date();
  private readonly loadBefore = loadavg();

  constructor(
    readonly name: string,
    readonly title: string,
  ) {
    console.log(`# ${title}\n${describeMachine()}; load average at start ${this.loadBefore}\n`);
  }

  add(f: Figure): void {
    this.figures.push(f);
    const met = f.met === null ? '' : f.met ? '  MET' : '  NOT MET';
    console.log(
      `  ${f.figure}: ${f.measured}${f.raw ? `  | raw ${f.raw}` : ''}${f.ratio ? `  | ratio ${f.ratio}` : ''}  | target ${f.target}${met}  [load ${loadavg()}]`,
    );
  }

  /** Markdown for the section (also printed). */
  note(md: string): void {
    this.notes.push(md);
    console.log(`\n${md}\n`);
  }

  save(): void {
    const command = `node --import tsx bench/${this.name}.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
    const body = [
      `<!-- bench:${this.name} -->`,
      `### ${this.title}`,
      '',
      `Command: \`${command}\`  `,
      `Machine: ${describeMachine().replace(/, [0-9T:.-]+Z$/, '')}  `,
      `Run: ${this.started.toISOString()} (${Math.round((Date.now() - this.started.getTime()) / 1000)} s); load average at start ${this.loadBefore}, at end ${loadavg()}`,
      '',
      table(
        ['figure', 'measured', 'raw (same run)', 'ratio', 'target', 'met'],
        this.figures.map((f) => [f.figure, f.measured, f.raw || '—', f.ratio || '—', f.target, f.met === null ? '—' : f.met ? 'yes' : '**no**']),
      ),
      '',
      ...this.notes.flatMap((n) => [n, '']),
      `<!-- /bench:${this.name} -->`,
    ].join('\n');
    if (process.env.BENCH_NO_WRITE === '1') return;
    let md = fs.existsSync(BENCHMARKS_MD) ? fs.readFileSync(BENCHMARKS_MD, 'utf8') : '# Benchmarks\n\n## Results\n\n';
    const re = new RegExp(`<!-- bench:${this.name} -->[\\s\\S]*?<!-- /bench:${this.name} -->`);
    md = re.test(md) ? md.replace(re, () => body) : `${md.trimEnd()}\n\n${body}\n`;
    fs.writeFileSync(BENCHMARKS_MD, md);
    console.log(`\nwritten to ${path.relative(process.cwd(), BENCHMARKS_MD)} (section bench:${this.name})`);
  }
}

export const ratioOf = (measured: number, raw: number) => measured / raw;
