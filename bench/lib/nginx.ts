import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { onCleanup } from './cleanup.js';

function which(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/**
 * nginx from Debian, installed if missing (apt-get, without starting Debian's own nginx service:
 * a policy-rc.d that refuses service starts is put in place for the install if there is none).
 */
export function ensureNginx(): string {
  const found = which('nginx') ?? (fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : null);
  if (found) return found;
  console.log('nginx missing: apt-get install -y --no-install-recommends nginx');
  const policy = '/usr/sbin/policy-rc.d';
  const placed = !fs.existsSync(policy);
  if (placed) fs.writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'nginx'], { stdio: 'inherit', env });
    } catch {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
      execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'nginx'], { stdio: 'inherit', env });
    }
  } finally {
    if (placed) fs.rmSync(policy, { force: true });
  }
  const installed = which('nginx') ?? '/usr/sbin/nginx';
  if (!fs.existsSync(installed)) throw new Error('nginx could not be installed');
  return installed;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * nginx in the foreground, configured in a temporary directory, listening on a loopback port and
 * balancing round-robin over `upstreams` (HTTP/1.1 keep-alive to them, X-Forwarded-For appended).
 */
export async function startNginx(upstreams: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const bin = ensureNginx();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-bench-nginx-'));
  const port = await freePort();
  const servers = upstreams.map((u) => `    server ${new URL(u).host} max_fails=0;`).join('\n');
  const conf = `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream shosho {
${servers}
    keepalive 128;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 128k;
    location / {
      proxy_pass http://shosho;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 120s;
      proxy_buffering off;
    }
  }
}
`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  // as root, nginx's workers would run as nobody and could not use the temporary directory
  if (process.getuid?.() === 0) fs.writeFileSync(path.join(dir, 'nginx.conf'), `user root;\n${conf}`);
  const child = spawn(bin, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  let exited = false;
  const exit = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  const stop = async () => {
    if (!exited) {
      child.kill('SIGQUIT');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(t);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  onCleanup(stop);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (exited)
      throw new Error(`nginx exited: ${stderr} ${fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : ''}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return { url, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('nginx did not start listening');
}
