import { Hono } from 'hono';
import type { Registry } from '../metrics/index.js';
import type { AppEnv } from './env.js';

export interface ReadinessCheck {
  name: string;
  /** ok=false makes /readyz answer 503; `detail` is shown either way. */
  check(): Promise<{ ok: boolean; detail?: unknown }>;
}

export function healthRoutes(checks: ReadinessCheck[], registry: Registry) {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const results = await Promise.all(
      checks.map(async (r) => {
        try {
          return { name: r.name, ...(await withTimeout(r.check(), 2000)) };
        } catch (e) {
          return { name: r.name, ok: false, detail: (e as Error).message };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    return c.json({ status: ready ? 'ready' : 'unavailable', checks: results }, ready ? 200 : 503, { 'cache-control': 'no-store' });
  });
  app.get('/metrics', async (c) => c.body(await registry.render(), 200, { 'content-type': registry.contentType }));
  return app;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.finally(() => clearTimeout(t)).then(resolve, reject);
  });
}
