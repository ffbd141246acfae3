import net from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that a test can take down, bring back, reset, partition or
 * slow, to play a database that is unreachable or slow without touching the real server.
 */
export class PgProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  /** While partitioned, bytes in both directions wait here, as TCP retransmission would keep them. */
  private held: Array<() => void> | null = null;
  port = 0;
  delayMs = 0;
  /** Connections accepted so far (a client that reconnects shows up here). */
  accepted = 0;
  /**
   * What clients sent that breaks the protocol's framing (a second StartupMessage, bytes of another
   * connection): PostgreSQL answers those with a FATAL `invalid frontend message type`.
   */
  readonly violations: FramingViolation[] = [];
  /** Sessions ended by `endSessionOn` so far. */
  sessionsEnded = 0;
  private readonly traps: Array<{ match: string; error: ServerError }> = [];

  constructor(private readonly target = { host: '127.0.0.1', port: 5432 }) {}

  async up(): Promise<void> {
    this.server = net.createServer((client) => {
      const connection = ++this.accepted;
      const upstream = net.connect(this.target.port, this.target.host);
      const framing = new FrontendFraming((reason) => this.violations.push({ connection, reason }));
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      const fromServer = new BackendFraming();
      client.on('data', (d) => {
        framing.read(d);
        const trap = this.traps.findIndex((t) => d.includes(t.match));
        if (trap >= 0) return this.endSession(client, upstream, fromServer, this.traps.splice(trap, 1)[0]!.error);
        this.pass(() => (this.delayMs ? setTimeout(() => upstream.write(d), this.delayMs) : upstream.write(d)));
      });
      upstream.on('data', (d) =>
        this.pass(() => {
          fromServer.read(d);
          client.write(d);
        }),
      );
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  /** Every open connection ends with a TCP reset, as a restarted server or a failing network does; new ones are accepted. */
  reset(): number {
    const n = this.sockets.size;
    for (const s of this.sockets) s.resetAndDestroy();
    return n;
  }

  /** Nothing passes either way, and nothing is closed: connections hang, as behind a broken switch. */
  partition(): void {
    this.held ??= [];
  }

  /** The network is back: what was held is delivered, in order. */
  heal(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const deliver of held) deliver();
  }

  /**
   * The next client message containing `match` (a statement's text, sent when a session first
   * prepares it) never reaches the server: the client gets `error` as a FATAL ErrorResponse and the
   * session ends, as when PostgreSQL ends a session itself (pg_terminate_backend, a protocol
   * violation, a shutdown) at that point.
   */
  endSessionOn(match: string, error: ServerError): void {
    this.traps.push({ match, error });
  }

  get openConnections(): number {
    return this.sockets.size / 2;
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  private endSession(client: net.Socket, upstream: net.Socket, fromServer: BackendFraming, error: ServerError): void {
    this.sessionsEnded++;
    upstream
      .removeAllListeners('data')
      .removeAllListeners('close')
      .once('close', () => this.sockets.delete(upstream));
    upstream.destroy();
    // an ErrorResponse only makes sense between two of the server's messages; else the cut alone
    if (fromServer.atBoundary) client.end(errorResponse(error));
    else client.resetAndDestroy();
  }

  private pass(deliver: () => void): void {
    if (this.held) this.held.push(deliver);
    else deliver();
  }
}

export interface FramingViolation {
  /** the proxy's number for the connection (1 for the first accepted) */
  connection: number;
  reason: string;
}

/** Frontend message types of protocol 3.0 (after the StartupMessage every message starts with one). */
const FRONTEND_TYPES = new Set('BCcDdEFfHPpQSX'.split('').map((c) => c.charCodeAt(0)));
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/** Follows what a client sends on one connection, message by message, and reports the first break. */
class FrontendFraming {
  private buffered = Buffer.alloc(0);
  private started = false;
  private broken = false;
  private readonly recent: string[] = [];

  constructor(private readonly report: (reason: string) => void) {}

  read(data: Buffer): void {
    if (this.broken) return;
    this.buffered = Buffer.concat([this.buffered, data]);
    for (;;) {
      if (!this.started) {
        if (this.buffered.length < 8) return;
        const length = this.buffered.readUInt32BE(0);
        const code = this.buffered.readUInt32BE(4);
        if (this.buffered.length < length) return;
        this.consume(length, code === SSL_REQUEST ? 'SSLRequest' : code === CANCEL_REQUEST ? 'CancelRequest' : 'StartupMessage');
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) this.started = true;
        continue;
      }
      if (this.buffered.length < 5) return;
      const type = this.buffered[0]!;
      if (!FRONTEND_TYPES.has(type)) {
        this.broken = true;
        this.report(`message type ${type} after ${this.recent.join(' ')}`);
        return;
      }
      const length = this.buffered.readUInt32BE(1);
      if (this.buffered.length < length + 1) return;
      this.consume(length + 1, String.fromCharCode(type));
    }
  }

  private consume(bytes: number, what: string): void {
    this.buffered = this.buffered.subarray(bytes);
    this.recent.push(what);
    if (this.recent.length > 12) this.recent.shift();
  }
}

export interface ServerError {
  /** SQLSTATE */
  code: string;
  message: string;
}

/** A FATAL ErrorResponse as PostgreSQL sends it before it closes a session. */
function errorResponse({ code, message }: ServerError): Buffer {
  const fields = [
    ['S', 'FATAL'],
    ['V', 'FATAL'],
    ['C', code],
    ['M', message],
  ].map(([k, v]) => Buffer.from(`${k}${v}\0`));
  const body = Buffer.concat([...fields, Buffer.from([0])]);
  const head = Buffer.alloc(5);
  head.write('E', 0, 'latin1');
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/** Where the server's side of a connection is: between two messages, or inside one. */
class BackendFraming {
  private header = Buffer.alloc(0);
  private left = 0;

  get atBoundary(): boolean {
    return this.left === 0 && this.header.length === 0;
  }

  read(data: Buffer): void {
    let at = 0;
    while (at < data.length) {
      if (this.left > 0) {
        const take = Math.min(this.left, data.length - at);
        this.left -= take;
        at += take;
        continue;
      }
      const take = Math.min(5 - this.header.length, data.length - at);
      this.header = Buffer.concat([this.header, data.subarray(at, at + take)]);
      at += take;
      if (this.header.length === 5) {
        this.left = this.header.readUInt32BE(1) - 4;
        this.header = Buffer.alloc(0);
      }
    }
  }
}
