import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = process.env.TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL 15 cluster of the test's own, in a temporary folder on a free port, that a test may
 * stop, start and restart as an operator or a failover would (the shared server on 5432 is never
 * touched). initdb refuses to run as root, so as root the cluster runs as the `postgres` user.
 */
export class PrivateCluster {
  port = 0;
  private dir = '';

  /** Why a private cluster cannot be made here, or null when it can. */
  static unavailable(): string | null {
    if (!fs.existsSync(path.join(BIN, 'initdb')) || !fs.existsSync(path.join(BIN, 'pg_ctl'))) return `no initdb and pg_ctl in ${BIN} (set TEST_PG_BIN)`;
    if (process.getuid?.() === 0 && !fs.existsSync('/usr/sbin/runuser')) return 'running as root without runuser to start PostgreSQL as the postgres user';
    return null;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-pg-'));
    if (process.getuid?.() === 0) await run('chown', ['postgres:postgres', this.dir]);
    this.port = await freePort();
    await this.pg('initdb', ['-D', this.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    // fsync off: what a test checks is survived by the kernel's cache (an immediate stop is a
    // crash of PostgreSQL, not of the machine), and it keeps the test quick
    fs.appendFileSync(
      path.join(this.data, 'postgresql.conf'),
      `${[`port = ${this.port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${this.dir}'`, 'fsync = off', 'max_connections = 50'].join(
        '\n',
      )}\n`,
    );
    await this.ctl('start');
  }

  /** pg_ctl stop: `fast` ends every session with 57P01 and checkpoints; `immediate` is a crash, recovered at the next start. */
  stop(mode: 'fast' | 'immediate'): Promise<void> {
    return this.ctl('stop', ['-m', mode]);
  }

  startAgain(): Promise<void> {
    return this.ctl('start');
  }

  restart(mode: 'fast' | 'immediate'): Promise<void> {
    return this.ctl('restart', ['-m', mode]);
  }

  async destroy(): Promise<void> {
    if (!this.dir) return;
    await this.ctl('stop', ['-m', 'immediate']).catch(() => {});
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private get data(): string {
    return path.join(this.dir, 'data');
  }

  private ctl(action: string, args: string[] = []): Promise<void> {
    return this.pg('pg_ctl', ['-D', this.data, '-w', '-l', path.join(this.dir, 'log'), ...args, action]);
  }

  private async pg(program: string, args: string[]): Promise<void> {
    const file = path.join(BIN, program);
    if (process.getuid?.() === 0) await run('runuser', ['-u', 'postgres', '--', file, ...args], { cwd: this.dir });
    else await run(file, args, { cwd: this.dir });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
