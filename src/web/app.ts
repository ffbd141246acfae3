import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import { getConnInfo } from '@hono/node-server/conninfo';
import { serveStatic } from '@hono/node-server/serve-static';
import { MAX_SET_BYTES } from '../feed/index.js';
import { MAX_CSV_BYTES } from '../ledger/index.js';
import { MAX_FILE_BYTES as MAX_NOTICE_FILE_BYTES, MAX_FILES as MAX_NOTICE_FILES } from '../notices/index.js';
import { pickLanguage, type Renderer } from '../render/index.js';
import type { Config } from '../config/index.js';
import { asDatabaseUnavailable } from '../db/index.js';
import type { Logger } from '../log/index.js';
import type { Registry } from '../metrics/index.js';
import { readBody } from './body.js';
import type { AppEnv } from './env.js';
import { AppError, clientError } from './errors.js';
import { healthRoutes, type ReadinessCheck } from './health.js';
import { observe } from './observe.js';
import { jsonApiSurface, pagesSurface, pushSurface, type Surface } from './surface.js';

export interface AppDeps {
  config: Pick<Config, 'trustProxy' | 'proxyHops' | 'secureCookies' | 'databaseLimits'>;
  log: Logger;
  metrics: Registry;
  renderer: Renderer;
  readiness: ReadinessCheck[];
  /** Feature routers, mounted at the root in this order. */
  routes: Hono<AppEnv>[];
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;
/** Key notices: up to 20 PDFs of 5 MiB each, and room for the multipart framing (SPEC §8). */
const NOTICE_BODY_BYTES = MAX_NOTICE_FILES * MAX_NOTICE_FILE_BYTES + 256 * 1024;
/** A contract CSV in a page's form, with room for the multipart framing and the CSRF field (SPEC §9). */
const CONTRACT_CSV_BODY_BYTES = MAX_CSV_BYTES + 64 * 1024;
const PUBLIC_DIR = fileURLToPath(new URL('../../public', import.meta.url));

/** Builds the whole HTTP surface; does no I/O itself, so tests can build as many as they like. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // hono's requestId() keeps any client id its own loose check admits (1 to 255 word characters)
  app.use(async function requestIdentity(c, next) {
    const id = validRequestId(c.req.header('x-request-id')) ?? crypto.randomUUID();
    c.set('requestId', id);
    c.header('x-request-id', id);
    await next();
  });
  // first, so that any error, however early, is answered in the surface's format
  const surfaceOf = surfaces(deps.renderer);
  app.use(async function enterSurface(c, next) {
    const surface = surfaceOf(c.req.path);
    c.set('surface', surface);
    await next();
    if (surface.alwaysNoStore || c.get('principal')) c.res.headers.set('cache-control', 'no-store');
  });
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
  app.use(async function readBodyFirst(c, next) {
    await readBody(c, c.get('surface').maxBodyBytes);
    await next();
  });
  app.use('/static/*', async (c, next) => {
    await next();
    c.header('cache-control', 'public, max-age=3600');
  });
  app.use('/static/*', serveStatic({ root: PUBLIC_DIR, rewriteRequestPath: (p) => p.replace(/^\/static/, '') }));

  app.route('/', healthRoutes(deps.readiness, deps.metrics));
  for (const routes of deps.routes) app.route('/', routes);

  app.notFound((c) => answerError(c, new AppError('page_not_found')));
  app.onError((err, c) => {
    const unavailable = asDatabaseUnavailable(err);
    if (unavailable) {
      c.get('log').warn('database unavailable', { err: unavailable });
      return answerError(c, new AppError('database_unavailable', { headers: { 'retry-after': String(deps.config.databaseLimits.retryAfterSeconds) } }));
    }
    const known = clientError(err);
    if (!known) c.get('log').error('unhandled error', { err });
    return answerError(c, known ?? new AppError('internal_error'));
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
    const chain = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    const forwarded = chain[Math.max(0, chain.length - proxy.proxyHops)];
    if (forwarded && isIP(forwarded)) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // app.request() in tests has no socket
  }
}

/** The error in the format of the request's surface, with the headers it must carry (Retry-After, …). */
function answerError(c: Context<AppEnv>, err: AppError) {
  for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
  return c.get('surface').writeError(c, err);
}

/**
 * The surface a path belongs to (SPEC §2.2, §3, §4): its error format, body limit and caching rule.
 * The RFC 8935 limit is the SET's own, so a larger body is refused as RFC 8935 JSON (SPEC §2).
 */
function surfaces(renderer: Renderer): (path: string) => Surface {
  const push = pushSurface(MAX_SET_BYTES);
  const pages = pagesSurface(renderer);
  // the only routes that take larger bodies than a form's: key-notice PDFs and contract CSVs
  const noticePages: Surface = { ...pages, maxBodyBytes: NOTICE_BODY_BYTES };
  const noticeApi: Surface = { ...jsonApiSurface, maxBodyBytes: NOTICE_BODY_BYTES };
  const contractCsvPages: Surface = { ...pages, maxBodyBytes: CONTRACT_CSV_BODY_BYTES };
  const contractCsvApi: Surface = { ...jsonApiSurface, maxBodyBytes: MAX_CSV_BYTES };
  return (path) => {
    if (path === '/sets') return push;
    if (path === '/api/v1/notices/read') return noticeApi;
    if (path === '/notices') return noticePages;
    if (path === '/api/v1/contracts/import') return contractCsvApi;
    if (path === '/contracts/import') return contractCsvPages;
    if (path === '/api' || path.startsWith('/api/')) return jsonApiSurface;
    return pages;
  };
}
