import http from 'node:http';
import { summarise, type LatencySummary } from './stats.js';

export interface Req {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** groups figures in the result, e.g. 'lookup-right' */
  kind?: string;
  /** keep the response body (default: drained and counted only) */
  keepBody?: boolean;
}

export interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer | null;
  bytes: number;
  ms: number;
}

/** A keep-alive HTTP/1.1 client over node:http, light enough to load a server from the same machine. */
export class HttpClient {
  readonly agent: http.Agent;
  private readonly url: URL;

  constructor(
    readonly base: string,
    maxSockets = 256,
  ) {
    this.url = new URL(base);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(this.url.hostname)) throw new Error(`benchmarks only target loopback addresses; ${base} is not one`);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  request(req: Req, timeoutMs = 60_000): Promise<Res> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
      const r = http.request(
        { host: this.url.hostname, port: this.url.port, method: req.method, path: req.path, headers, agent: this.agent, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (c: Buffer) => {
            bytes += c.length;
            if (req.keepBody) chunks.push(c);
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: req.keepBody ? Buffer.concat(chunks) : null,
              bytes,
              ms: performance.now() - started,
            }),
          );
          res.on('error', reject);
        },
      );
      r.on('timeout', () => r.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      r.on('error', reject);
      if (req.body !== undefined) r.write(req.body);
      r.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface KindResult {
  latencies: number[];
  statuses: Map<number, number>;
  errors: string[];
}

export interface LoadResult {
  requests: number;
  elapsedMs: number;
  /** completed requests per second over the measured window */
  rate: number;
  latency: LatencySummary;
  statuses: Map<number, number>;
  /** network-level failures (connection reset, timeout): never intended */
  errors: string[];
  kinds: Map<string, KindResult>;
}

export interface ClosedLoopOptions {
  client: HttpClient;
  clients: number;
  /** stop after this long … */
  durationMs?: number;
  /** … or after this many requests (whichever first) */
  total?: number;
  /** the next request of a client; null ends that client */
  next: (client: number, seq: number) => Req | null | Promise<Req | null>;
  /** called with each response (e.g. to check it, or to update the client's state) */
  onResponse?: (req: Req, res: Res, client: number) => void | Promise<void>;
  timeoutMs?: number;
  /**
   * Paced instead of flat out: each client starts a request every `intervalMs` (from a random
   * phase), like a person who reads the page before clicking again; a late answer is not made up for.
   */
  intervalMs?: number;
}

/**
 * `clients` loops, each sending its next request as soon as the last one answered (a closed
 * loop: what N people or programs clicking as fast as they can look like), bounded in time and count.
 */
export async function closedLoop(opts: ClosedLoopOptions): Promise<LoadResult> {
  const kinds = new Map<string, KindResult>();
  const statuses = new Map<number, number>();
  const errors: string[] = [];
  const all: number[] = [];
  let seq = 0;
  let stop = false;
  const deadline = opts.durationMs ? setTimeout(() => (stop = true), opts.durationMs) : null;
  const started = performance.now();
  const kindOf = (k: string) => {
    let r = kinds.get(k);
    if (!r) {
      r = { latencies: [], statuses: new Map(), errors: [] };
      kinds.set(k, r);
    }
    return r;
  };
  const loop = async (client: number) => {
    let slot = opts.intervalMs ? performance.now() + Math.random() * opts.intervalMs : 0;
    if (opts.intervalMs) await new Promise((r) => setTimeout(r, slot - performance.now()));
    while (!stop) {
      if (opts.total !== undefined && seq >= opts.total) return;
      const req = await opts.next(client, seq++);
      if (!req) return;
      const k = kindOf(req.kind ?? 'all');
      try {
        const res = await opts.client.request(req, opts.timeoutMs);
        all.push(res.ms);
        k.latencies.push(res.ms);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        k.statuses.set(res.status, (k.statuses.get(res.status) ?? 0) + 1);
        await opts.onResponse?.(req, res, client);
      } catch (e) {
        const msg = `${req.kind ?? req.path}: ${(e as Error).message}`;
        errors.push(msg);
        k.errors.push(msg);
      }
      if (opts.intervalMs) {
        slot = Math.max(slot + opts.intervalMs, performance.now());
        const wait = slot - performance.now();
        if (wait > 0 && !stop) await new Promise((r) => setTimeout(r, wait));
      }
    }
  };
  await Promise.all(Array.from({ length: opts.clients }, (_, i) => loop(i)));
  if (deadline) clearTimeout(deadline);
  const elapsedMs = performance.now() - started;
  return { requests: all.length, elapsedMs, rate: (all.length / elapsedMs) * 1000, latency: summarise(all), statuses, errors, kinds };
}

export const statusText = (m: Map<number, number>) =>
  [...m]
    .sort((a, b) => a[0] - b[0])
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
