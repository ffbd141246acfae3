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

  constructor(private readonly target = { host: '127.0.0.1', port: 5432 }) {}

  async up(): Promise<void> {
    this.server = net.createServer((client) => {
      this.accepted++;
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.on('data', (d) => this.pass(() => (this.delayMs ? setTimeout(() => upstream.write(d), this.delayMs) : upstream.write(d))));
      upstream.on('data', (d) => this.pass(() => client.write(d)));
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

  get openConnections(): number {
    return this.sockets.size / 2;
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  private pass(deliver: () => void): void {
    if (this.held) this.held.push(deliver);
    else deliver();
  }
}
