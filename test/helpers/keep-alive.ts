import http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** the request went out on a socket an earlier request had used */
  reusedSocket: boolean;
}

/**
 * An HTTP/1.1 client on one keep-alive socket, as an issuer's or obligee system's node client
 * would hold one: a request after a refused one goes out on the same connection when the server
 * left it open. A body given as an array is sent chunked, without a Content-Length.
 */
export class KeepAliveClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(readonly base: string) {}

  request(method: string, path: string, init: { headers?: Record<string, string>; body?: string | Buffer | Buffer[] } = {}): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = http.request(this.base + path, { method, agent: this.agent, headers: init.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode!, headers: res.headers, body, text: body.toString('utf8'), reusedSocket: req.reusedSocket });
        });
      });
      req.on('error', reject);
      if (Array.isArray(init.body)) {
        for (const chunk of init.body) req.write(chunk);
        req.end();
      } else {
        req.end(init.body);
      }
    });
  }

  close() {
    this.agent.destroy();
  }
}
