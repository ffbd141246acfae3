import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  id: string;
  headers: Record<string, string>;
  body: string;
  answered: 'ok' | 'fail' | 'hang';
  /** requests left unanswered and still open when this one arrived */
  heldOpen: number;
}

/**
 * A webhook receiver on loopback that records every request and answers as `answer` says: 204,
 * 500, or never (the connection is held open). Tests wait on what it receives, never on time.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  answer: (r: Omit<Received, 'answered' | 'heldOpen'>, nth: number) => 'ok' | 'fail' | 'hang' = () => 'ok';
  private readonly events = new EventEmitter();
  private server: http.Server | null = null;
  private readonly held = new Set<http.ServerResponse>();
  port = 0;

  async listen(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        const request = { id: headers['webhook-id'] ?? '', headers, body };
        const answered = this.answer(request, this.received.filter((r) => r.id === request.id).length);
        this.received.push({ ...request, answered, heldOpen: this.held.size });
        this.events.emit('request');
        if (answered === 'ok') res.writeHead(204).end();
        else if (answered === 'fail') res.writeHead(500).end('not now');
        else {
          this.held.add(res);
          res.on('close', () => this.held.delete(res));
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** Resolves with the received requests once `done` holds for them. */
  waitFor(done: (received: Received[]) => boolean, what: string, timeoutMs = 60_000): Promise<Received[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done(this.received)) return;
        this.events.off('request', check);
        clearTimeout(timer);
        resolve(this.received);
      };
      const timer = setTimeout(() => {
        this.events.off('request', check);
        reject(new Error(`webhook receiver: still waiting for ${what}; received ${this.received.length}`));
      }, timeoutMs);
      this.events.on('request', check);
      check();
    });
  }

  async close(): Promise<void> {
    if (!this.server) return;
    for (const res of this.held) res.destroy();
    this.held.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }
}
