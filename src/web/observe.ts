import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { LATENCY_BUCKETS, type Registry } from '../metrics/index.js';
import type { Logger } from '../log/index.js';
import type { AppEnv } from './env.js';

/** Gives every request a child logger carrying its id, then counts and times it by route and status. */
export function observe(log: Logger, registry: Registry): MiddlewareHandler<AppEnv> {
  const labelNames = ['method', 'route', 'status'];
  const requests = registry.counter('shosho_http_requests_total', 'HTTP requests by method, route and status', labelNames);
  const latency = registry.histogram('shosho_http_request_duration_seconds', 'HTTP request latency by method, route and status', labelNames, LATENCY_BUCKETS);
  return async function observeRequest(c, next) {
    const started = performance.now();
    const requestLog = log.child({ requestId: c.get('requestId') });
    c.set('log', requestLog);
    await next();
    const seconds = (performance.now() - started) / 1000;
    const labels = { method: c.req.method, route: routePath(c) || 'unmatched', status: String(c.res.status) };
    requests.inc(labels);
    latency.observe(labels, seconds);
    requestLog.info('request', { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(seconds * 1000) });
  };
}
