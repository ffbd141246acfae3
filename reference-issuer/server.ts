import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, jwks, type Alg, type SigningKey } from './keys.js';
import { signSet, type SignedSet } from './sign.js';

/**
 * An issuer's side of shosho (a 保証事業会社 or an insurer), as a worked example: it publishes a JWKS, queues signed
 * SETs for RFC 8936 polling (dropping each once acknowledged or reported in setErrs), pushes per
 * RFC 8935, and rotates keys while still publishing the old ones for a while.
 */
export class ReferenceIssuer {
  private readonly queue = new Map<string, string>();
  readonly acknowledged = new Set<string>();
  readonly errors = new Map<string, { err: string; description: string }>();
  private server: http.Server | null = null;
  /** Keys published in the JWKS; the last one signs. */
  keys: SigningKey[];
  /** Answer polls with this status instead (to play an issuer that is down). */
  failWith: number | null = null;
  /** Delay every answer by this many ms (to play a slow issuer). */
  delayMs = 0;
  feedToken: string | null = null;
  /** how many times the JWKS was fetched (a verifier should not fetch it per request) */
  jwksFetches = 0;
  /** Play a broken JWKS endpoint: never answer, answer with this HTTP status, or answer bytes that are no JWKS. */
  jwksFailure: 'hang' | 'garbage' | number | null = null;
  /** Play a transmitter that ignores maxEvents (RFC 8936 says it SHOULD NOT send more) and sends all it has. */
  overDeliver = false;
  /** Answer at most this many SETs per poll, whatever maxEvents asks (RFC 8936 lets a transmitter send fewer). */
  pageSize: number | null = null;
  /** how many feed requests arrived (a test can act on progress) */
  feedRequests = 0;
  /** called with each feed request's number on arrival; 'drop' closes the connection unread (its acks are lost) */
  onFeedRequest: ((n: number) => 'drop' | undefined) | null = null;
  /** called once the answer to feed request n, holding these jtis, is written */
  onFeedAnswered: ((n: number, jtis: string[]) => void) | null = null;
  url = '';

  constructor(
    readonly iss: string,
    readonly audience: string,
    alg: Alg = 'ES256',
  ) {
    this.keys = [generateSigningKey(alg, `${alg.toLowerCase()}-${Date.now().toString(36)}`)];
  }

  get signingKey(): SigningKey {
    return this.keys[this.keys.length - 1]!;
  }

  /** A new signing key; the old ones stay in the JWKS unless `retireOld`. */
  rotate(alg: Alg = this.signingKey.alg, retireOld = false): SigningKey {
    const key = generateSigningKey(alg, `${alg.toLowerCase()}-${Date.now().toString(36)}-${this.keys.length + 1}`);
    this.keys = retireOld ? [key] : [...this.keys, key];
    return key;
  }

  sign(event: string, payload: unknown, opts: { key?: SigningKey; jti?: string; iat?: number; aud?: string | string[] } = {}): Promise<SignedSet> {
    return signSet({ iss: this.iss, aud: opts.aud ?? this.audience, key: opts.key ?? this.signingKey, event, payload, jti: opts.jti, iat: opts.iat });
  }

  /** Puts a signed SET on the poll feed. */
  enqueue(set: SignedSet): void {
    this.queue.set(set.jti, set.token);
  }

  get pending(): number {
    return this.queue.size;
  }

  /** RFC 8935 push to a shosho `/sets` endpoint; returns the status and any `{ err, description }`. */
  async push(setsUrl: string, token: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(setsUrl, { method: 'POST', headers: { 'content-type': 'application/secevent+jwt' }, body: token });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async listen(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    res.setHeader('content-type', 'application/json');
    if (req.method === 'GET' && req.url === '/jwks.json') {
      this.jwksFetches++;
      if (this.jwksFailure === 'hang') return;
      if (this.jwksFailure === 'garbage') return void res.end('<html>maintenance</html>');
      if (this.jwksFailure) return void res.writeHead(this.jwksFailure).end('{}');
      return void res.end(JSON.stringify(jwks(this.keys)));
    }
    if (req.method === 'POST' && req.url === '/feed') {
      if (this.failWith) return void res.writeHead(this.failWith).end('{}');
      if (this.feedToken && req.headers.authorization !== `Bearer ${this.feedToken}`) return void res.writeHead(401).end('{}');
      let poll: { ack?: string[]; setErrs?: Record<string, { err: string; description: string }>; maxEvents?: number };
      try {
        poll = JSON.parse(body || '{}');
      } catch {
        return void res.writeHead(400).end(JSON.stringify({ err: 'invalid_request', description: 'body is not JSON' }));
      }
      const n = ++this.feedRequests;
      if (this.onFeedRequest?.(n) === 'drop') return void res.destroy();
      for (const jti of poll.ack ?? []) {
        this.acknowledged.add(jti);
        this.queue.delete(jti);
      }
      for (const [jti, e] of Object.entries(poll.setErrs ?? {})) {
        this.errors.set(jti, e);
        this.queue.delete(jti);
      }
      const count = this.overDeliver ? undefined : Math.min(poll.maxEvents ?? 100, this.pageSize ?? Infinity);
      const sets = Object.fromEntries([...this.queue].slice(0, count));
      res.end(JSON.stringify({ sets, moreAvailable: this.queue.size > Object.keys(sets).length }));
      return void this.onFeedAnswered?.(n, Object.keys(sets));
    }
    res.writeHead(404).end('{}');
  }
}
