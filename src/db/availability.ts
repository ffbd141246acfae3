import net from 'node:net';
import postgres from 'postgres';
import type { Logger } from '../log/index.js';

/**
 * The database cannot be reached, or stopped answering: the request may be tried again later and
 * was not the client's fault (HTTP 503 with Retry-After, DATABASE_RETRY_AFTER_SECONDS). Nothing of a transaction that failed this
 * way was committed, unless the commit itself was under way; every write shosho makes is safe to
 * repeat, so a retry is always right.
 */
export class DatabaseUnavailable extends Error {
  override name = 'DatabaseUnavailable';
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`database unavailable: ${reason}`, options);
  }
}

/** postgres.js's own codes for a connection that failed or was lost. */
const CLIENT_FAILURES = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);
/** Socket errors: the database's only when postgres.js raised them for a query (it adds `query`). */
const SOCKET_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * SQLSTATEs meaning "not now" rather than "not this": class 08 (connection exception), the server
 * shutting down, crashing, starting or out of connections, and statement_timeout (57014).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-4]|53300|57014)$/;

/** The error as DatabaseUnavailable when it means the database is out of reach, else null. */
export function asDatabaseUnavailable(error: unknown): DatabaseUnavailable | null {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof DatabaseUnavailable) return e;
  }
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  const unavailable =
    CLIENT_FAILURES.has(code) || (SOCKET_FAILURES.has(code) && 'query' in error) || (error.name === 'PostgresError' && UNAVAILABLE_SQLSTATE.test(code));
  return unavailable ? new DatabaseUnavailable(`${code}: ${error.message}`, { cause: error }) : null;
}

interface SocketTarget {
  host: string[];
  port: number[];
  path?: string | false;
}

/** postgres.js's documented `socket` option ("Custom socket" in its README), missing from its types. */
export function customSocket(open: (o: SocketTarget) => net.Socket): object {
  return { socket: open };
}

/**
 * Watches whether PostgreSQL answers, so that an outage costs clients seconds and not minutes:
 * - a probe asks `select 1` every second on a connection of its own, and twice in a row (the second
 *   time on a fresh connection, so that one terminated connection is not an outage) gets no answer
 *   within the probe timeout: the database is unreachable;
 * - then every socket of the pool is destroyed, so queries stuck behind a partition (where nothing
 *   is closed and no statement_timeout can act) fail at once instead of hanging for the outage;
 * - while unreachable, the pool's new connections fail at once rather than each waiting for its
 *   connect timeout, and requests are answered 503 in milliseconds;
 * - the first answer of the probe makes it reachable again: recovery needs nobody.
 * Long statements are not mistaken for an outage: only the probe's own answer counts.
 */
export class DatabaseWatch {
  private reachableNow = true;
  private readonly poolSockets = new Set<net.Socket>();
  private readonly probeSockets = new Set<net.Socket>();
  private readonly probe: postgres.Sql;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    url: string,
    private readonly opts: { intervalMs: number; timeoutMs: number; log: Logger },
  ) {
    this.probe = postgres(url, {
      max: 1,
      onnotice: () => {},
      idle_timeout: 0,
      backoff: () => 0,
      fetch_types: false,
      connect_timeout: Math.ceil(opts.timeoutMs / 1000),
      connection: { application_name: 'shosho-probe' },
      ...customSocket((o) => track(this.probeSockets, open(o))),
    });
  }

  get reachable(): boolean {
    return this.reachableNow;
  }

  /** postgres.js `socket` option for the pool. */
  readonly poolSocket = (o: SocketTarget): net.Socket => {
    if (this.reachableNow) return track(this.poolSockets, open(o));
    // postgres.js attaches its listeners after this returns: fail on the next turn, through them
    const refused = new net.Socket();
    setImmediate(() => refused.destroy(new DatabaseUnavailable('the last probe got no answer')));
    return refused;
  };

  start(): void {
    const loop = async () => {
      await this.check();
      if (!this.stopped) this.timer = setTimeout(loop, this.opts.intervalMs).unref();
    };
    this.timer = setTimeout(loop, this.opts.intervalMs).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.probe.end({ timeout: 0 });
    for (const s of this.probeSockets) s.destroy();
  }

  private async check(): Promise<void> {
    const answered = (await this.ping()) || (!this.stopped && (await this.ping()));
    if (this.stopped || answered === this.reachableNow) return;
    this.reachableNow = answered;
    if (answered) {
      this.opts.log.warn('database reachable again');
      return;
    }
    this.opts.log.error('database unreachable: failing requests with 503 until it answers', { probeTimeoutMs: this.opts.timeoutMs });
    const reason = new DatabaseUnavailable(`no answer within ${this.opts.timeoutMs} ms`);
    for (const s of this.poolSockets) s.destroy(reason);
  }

  private async ping(): Promise<boolean> {
    let answered = false;
    const query = this.probe`select 1`.then(() => (answered = true));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([query, new Promise((resolve) => (timer = setTimeout(resolve, this.opts.timeoutMs)))]);
      // an event loop held up past the timeout runs the timer before the answer waiting behind it
      if (!answered) await new Promise((resolve) => setImmediate(resolve));
    } catch {
      // refused, reset, terminated: no answer
    } finally {
      clearTimeout(timer);
    }
    if (!answered) for (const s of this.probeSockets) s.destroy(); // the next ping opens a fresh connection
    return answered;
  }
}

let hostTurn = 0;
/** Each new connection to the next host of a multi-host URL, as postgres.js does with its own sockets. */
function open(o: SocketTarget): net.Socket {
  if (o.path) return net.connect(o.path);
  const i = hostTurn++ % o.host.length;
  return net.connect(o.port[i] ?? o.port[0]!, o.host[i]!);
}

function track(set: Set<net.Socket>, socket: net.Socket): net.Socket {
  set.add(socket);
  socket.once('close', () => set.delete(socket));
  return socket;
}
