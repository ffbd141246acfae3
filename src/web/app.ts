import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { describeIssues } from '../domain/index.js';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { getConnInfo } from '@hono/node-server/conninfo';
import { serveStatic } from '@hono/node-server/serve-static';
import { errorMessage, errorPageStatus, pickLanguage, type Renderer } from '../render/index.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { Registry } from '../metrics/index.js';
import type { AppEnv } from './env.js';
import { AppError } from './errors.js';
import { healthRoutes, type ReadinessCheck } from './health.js';
import { observe } from './observe.js';
import { renderPage } from './page.js';

export interface AppDeps {
  config: Pick<Config, 'trustProxy' | 'proxyHops' | 'secureCookies'>;
  log: Logger;
  metrics: Registry;
  renderer: Renderer;
  readiness: ReadinessCheck[];
  /** Feature routers, mounted at the root in this order. */
  routes: Hono<AppEnv>[];
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;
const MAX_BODY_BYTES = 256 * 1024;
const PUBLIC_DIR = fileURLToPath(new URL('../../public', import.meta.url));

/** Builds the whole HTTP surface; does no I/O itself, so tests can build as many as they like. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId({ generator: (c) => validRequestId(c.req.header('x-request-id')) ?? crypto.randomUUID() }));
  app.use(observe(deps.log, deps.metrics));
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
      referrerPolicy: 'same-origin',
      xFrameOptions: 'DENY',
      strictTransportSecurity: deps.config.secureCookies ? 'max-age=31536000; includeSubDomains' : false,
      crossOriginEmbedderPolicy: 'require-corp',
      permissionsPolicy: { camera: [], microphone: [], geolocation: [] },
    }),
  );
  app.use(async function languageAndClient(c, next) {
    const asked = c.req.query('lang');
    if (asked === 'ja' || asked === 'en') {
      setCookie(c, 'lang', asked, { path: '/', sameSite: 'Lax', httpOnly: true, secure: deps.config.secureCookies, maxAge: 31_536_000 });
    }
    c.set('lang', pickLanguage(c.req.header('accept-language'), asked ?? getCookie(c, 'lang')));
    c.set('clientIp', clientAddress(c, deps.config));
    c.set('principal', null);
    await next();
  });
  // no form or API body needs more; /sets has its own, smaller limit (SPEC §2)
  app.use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => { throw new AppError('too_long', 413, { max: MAX_BODY_BYTES }); } }));
  app.use('/static/*', async (c, next) => {
    await next();
    c.header('cache-control', 'public, max-age=3600');
  });
  app.use('/static/*', serveStatic({ root: PUBLIC_DIR, rewriteRequestPath: (p) => p.replace(/^\/static/, '') }));

  app.route('/', healthRoutes(deps.readiness, deps.metrics));
  for (const routes of deps.routes) app.route('/', routes);

  app.notFound((c) => respondWithError(c, new AppError('page_not_found', 404), deps.renderer));
  app.onError((err, c) => {
    if (err instanceof AppError) return respondWithError(c, err, deps.renderer);
    if (err instanceof ZodError) return respondWithError(c, new AppError('invalid_request', 422, {}, {}, describeIssues(err)), deps.renderer);
    if (err instanceof HTTPException) return respondWithError(c, new AppError('invalid_request', err.status === 413 ? 413 : 400), deps.renderer);
    c.get('log').error('unhandled error', { err });
    return respondWithError(c, new AppError('internal_error', 500), deps.renderer);
  });
  return app;
}

function validRequestId(id: string | undefined): string | undefined {
  return id && REQUEST_ID.test(id) ? id : undefined;
}

/**
 * The peer's address; behind trusted proxies, the address the nearest of them recorded: each proxy
 * appends the address it received from, so counting `hops` entries from the right of
 * X-Forwarded-For skips only what trusted proxies wrote. Entries further left are the client's own
 * writing and are never read.
 */
function clientAddress(c: Context<AppEnv>, proxy: { trustProxy: boolean; proxyHops: number }): string {
  if (proxy.trustProxy) {
    const chain = (c.req.header('x-forwarded-for') ?? '').split(',').map((a) => a.trim()).filter(Boolean);
    const forwarded = chain[Math.max(0, chain.length - proxy.proxyHops)];
    if (forwarded && isIP(forwarded)) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // app.request() in tests has no socket
  }
}

/** API and machine clients get `{ error: { code, message } }`; people get the error page. */
export function respondWithError(c: Context<AppEnv>, err: AppError, renderer: Renderer) {
  const lang = c.get('lang') ?? 'ja';
  for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  if (wantsJson(c)) {
    const message = errorMessage(lang, err.code, err.params) + (err.detail ? ` (${err.detail})` : '');
    return c.json({ error: { code: err.code, message } }, err.status);
  }
  return renderPage(c, renderer, 'error', { status: errorPageStatus(err.status), code: err.code, params: err.params }, err.status);
}

function wantsJson(c: Context<AppEnv>): boolean {
  if (c.req.path.startsWith('/api/')) return true;
  const accept = c.req.header('accept') ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}
