import { execFileSync } from 'node:child_process';
import os from 'node:os';
import fs from 'node:fs';

/** What the machine is and how busy it is, printed next to every figure. */
export function machine() {
  let nproc = String(os.cpus().length);
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    /* keep os.cpus() */
  }
  return {
    nproc,
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    date: new Date().toISOString(),
  };
}

/** The 1-minute load average, from /proc/loadavg. */
export function loadavg(): string {
  try {
    return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  }
}

/**
 * How busy the machine was, in words for a report's note: a benchmark on 2 cores puts the load
 * at 2–5 by itself, so more than twice that means other work ran beside it.
 */
export function busyness(): string {
  const cores = Number(machine().nproc);
  const load = Number(loadavg().split(' ')[0]);
  return load > 5 * cores
    ? `Measured on a busy machine (load average ${load} on ${cores} cores: other work ran beside it): compare the ratios, not the absolute figures.`
    : `Measured on a quiet machine (load average ${load} on ${cores} cores, most of it this benchmark's own processes).`;
}

export function describeMachine(): string {
  const m = machine();
  return `${m.nproc} cores (nproc ${m.nproc}, ${m.cpu}), ${m.memGiB} GiB, node ${m.node}, ${m.date}`;
}

const TICK = 100; // USER_HZ on Linux

function ticksOfPid(pid: number, children = false): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields after the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14)
    return Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0);
  } catch {
    return 0;
  }
}

/**
 * CPU ticks used so far by the PostgreSQL backends serving `databases` (matched in their process
 * title), or by every PostgreSQL process when none are named. Other people's databases on the
 * same server are not ours to count.
 */
function postgresTicks(databases: readonly string[]): number {
  let total = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() !== 'postgres') continue;
      const title = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (databases.length && !databases.some((db) => title.includes(` ${db} `))) continue;
      total += ticksOfPid(Number(d));
    } catch {
      /* gone */
    }
  }
  return total;
}

function machineTicks(): { busy: number; total: number } {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3]! + cpu[4]!;
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

const cpuDatabases: string[] = [];
/** Count the backends of this database as ours in every later snapshot. */
export function countDatabaseCpu(name: string): void {
  cpuDatabases.push(name);
}

export interface CpuSnapshot {
  at: number;
  machine: { busy: number; total: number };
  postgres: number;
  pids: Record<string, number>;
}

/** CPU used so far by the machine, our PostgreSQL backends, and the named processes (this one is `self`). */
export function cpuSnapshot(pids: Record<string, number> = {}, databases: readonly string[] = cpuDatabases): CpuSnapshot {
  const all = { self: process.pid, ...pids };
  return {
    at: performance.now(),
    machine: machineTicks(),
    postgres: postgresTicks(databases),
    pids: Object.fromEntries(Object.entries(all).map(([k, p]) => [k, ticksOfPid(p, k !== 'self')])),
  };
}

/** CPU seconds each used between two snapshots, and what the rest of the machine (other people's work) used. */
export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot) {
  const sec = (t: number) => t / TICK;
  const pids = Object.fromEntries(Object.keys(b.pids).map((k) => [k, sec(b.pids[k]! - (a.pids[k] ?? 0))]));
  const postgres = sec(b.postgres - a.postgres);
  const busy = sec(b.machine.busy - a.machine.busy);
  const ours = postgres + Object.values(pids).reduce((x, y) => x + y, 0);
  return { wallSeconds: (b.at - a.at) / 1000, busy, postgres, pids, others: Math.max(0, busy - ours) };
}
