// Memory of one poll against a hostile feed that answers `BENCH_FLOOD_MB` (default 200) MB: peak RSS,
// bytes the feed managed to write before shosho hung up, and time to give up. No database: the
// answer is refused before any SET is read. `node --import tsx bench/feed-flood.ts`
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pollOnce, type Issuer } from '../src/feed/index.js';
import { silentLogger } from '../src/log/index.js';

const MB = Number(process.env.BENCH_FLOOD_MB ?? 200);
let written = 0;
const server = http.createServer((_req, res) => {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"sets":{},"padding":"');
  const pump = () => {
    while (written < MB * 1024 * 1024) {
      written += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end('"}');
  };
  pump();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const issuer = {
  id: 'flood',
  iss: 'https://flood.example',
  name: 'flood',
  jwksUri: null,
  jwksInline: null,
  feedUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed`,
  feedToken: null,
  createdAt: new Date(),
  removedAt: null,
} satisfies Issuer;
const rssBefore = process.memoryUsage().rss;
let peak = rssBefore;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
const started = performance.now();
const outcome = await pollOnce(issuer, {
  sql: null as never,
  log: silentLogger,
  intervalMs: 1000,
  receiver: { receive: async () => [] },
}).then(
  () => 'read whole',
  (e: Error) => e.message,
);
const ms = performance.now() - started;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
server.closeAllConnections();
server.close();
const mib = (n: number) => (n / 2 ** 20).toFixed(1);
console.log(`feed answer of ${MB} MB: ${outcome}`);
console.log(
  `RSS before ${mib(rssBefore)} MiB, peak ${mib(peak)} MiB (+${mib(peak - rssBefore)}); the feed wrote ${mib(written)} MiB before shosho hung up; gave up after ${ms.toFixed(0)} ms`,
);
