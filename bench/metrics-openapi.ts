/**
 * In-process costs of the OpenAPI document and of the prom-client registry: building the document,
 * one /metrics scrape with many label sets, and one request's observations (counter + histogram).
 * No service, no database: `node --import tsx bench/metrics-openapi.ts` prints the figures.
 */
import { LATENCY_BUCKETS, Registry } from '../src/metrics/index.js';
import { API_OPERATIONS } from '../src/web/api-operations.js';
import { openApiDocument } from '../src/web/openapi.js';

const ROUTES = Number(process.env.BENCH_METRICS_ROUTES ?? 40);
const timed = async (times: number, work: () => unknown) => {
  const started = performance.now();
  for (let i = 0; i < times; i++) await work();
  return (performance.now() - started) / times;
};

const doc = openApiDocument([...API_OPERATIONS]);
const build = await timed(20, () => openApiDocument([...API_OPERATIONS]));
console.log(
  `OpenAPI document: ${build.toFixed(1)} ms to build (once per process), ${JSON.stringify(doc).length} bytes, ${Object.keys(doc.paths).length} paths`,
);

const registry = new Registry();
const labelNames = ['method', 'route', 'status'];
const requests = registry.counter('shosho_http_requests_total', 'requests', labelNames);
const latency = registry.histogram('shosho_http_request_duration_seconds', 'latency', labelNames, LATENCY_BUCKETS);
const observe = (route: string, status: string) => {
  requests.inc({ method: 'GET', route, status });
  latency.observe({ method: 'GET', route, status }, 0.01);
};
for (let i = 0; i < ROUTES; i++) for (const status of ['200', '404', '422']) observe(`/r${i}`, status);
await registry.render();
const scrape = await timed(200, () => registry.render());
console.log(
  `/metrics: ${scrape.toFixed(2)} ms per scrape with ${ROUTES * 3} label sets of a counter and a histogram, and the process metrics; ${(await registry.render()).length} bytes`,
);

let n = 0;
const started = performance.now();
while (performance.now() - started < 500) {
  observe('/r1', '200');
  n++;
}
console.log(`one request's observations (counter + histogram): ${Math.round(n / 0.5 / 1000)}k per second`);
process.exit(0);
