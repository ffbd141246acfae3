import { AlertJobs, OutboxWorker, createMailer, digestJob, raiseMissingGuarantees } from '../alerts/index.js';
import { AuditTailKeeper } from '../auditlog/index.js';
import { createCertificatePdfService, proofFor } from '../certificate-pdf/index.js';
import { flushAuditRollups } from '../auditlog/index.js';
import { ScryptPool, createLogin, pruneFailures } from '../auth/index.js';
import type { Config } from '../config/index.js';
import { MIGRATIONS_DIR, migrate, migrationsCurrent, openDatabase, readMigrations, type Database } from '../db/index.js';
import { KeyStore, PollScheduler, createReceiver, feedStatus, type IssuerFeedStatus } from '../feed/index.js';
import type { Logger } from '../log/index.js';
import { countContractStates } from '../ledger/index.js';
import { createLookup } from '../lookup/index.js';
import { Registry } from '../metrics/index.js';
import { createNoticeReader } from '../notices/index.js';
import { createPdfRenderer, findChromium, type PdfRenderer, type PdfRenderInput } from '../pdf/index.js';
import { createRenderer } from '../render/index.js';
import {
  alertPages,
  alertsApi,
  apiRoutes,
  apiSurface,
  archiveApi,
  archivePages,
  auditPages,
  browserRoutes,
  certificateRoutes,
  contractApi,
  contractPages,
  createApp,
  listen,
  lookupRoutes,
  noticesApi,
  noticesPages,
  openApiRoutes,
  pushRoutes,
  sessionRoutes,
  type ReadinessCheck,
} from '../web/index.js';

export interface RunningService {
  url: string;
  db: Database;
  /** Graceful: stop accepting, finish in-flight requests, stop pollers and the browser, close the database. */
  stop(): Promise<void>;
}

/** `shosho serve`: database (migrated first), HTTP app, pollers, browser for PDFs. */
export async function startService(config: Config, log: Logger): Promise<RunningService> {
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolMax: config.databasePoolMax, limits: config.databaseLimits, log });
  let pdf: PdfRenderer | null = null;
  try {
    const migrations = readMigrations();
    const { applied } = await migrate(db.sql);
    if (applied.length) log.info('migrations applied', { applied });
    const { sql } = db;
    const metrics = new Registry();
    const renderer = createRenderer();
    const pool = new ScryptPool(config.scryptConcurrency, { log });
    const keys = new KeyStore(sql, { log });
    const receiver = createReceiver({ sql, keys, audience: config.audience, log });
    const chromium = findChromium(config.chromiumPath);
    if (!chromium) {
      log.warn(
        config.chromiumPath
          ? `CHROMIUM_PATH=${config.chromiumPath} is not an executable: PDF routes answer 503`
          : "no Chromium found: PDF routes answer 503 until Debian's chromium is installed or CHROMIUM_PATH is set",
      );
    }
    pdf = createPdfRenderer({
      executablePath: chromium,
      pages: config.pdfPages,
      log: ({ level, event, ...fields }) => log[level === 'warn' ? 'warn' : 'info'](String(event), fields),
    });
    const pdfs = createCertificatePdfService({ sql, renderer, pdf, proofFor: (c) => proofFor(sql, keys, config.audience, c) });
    const lookup = createLookup({ sql, pool });
    const archiveDeps = { sql, renderer, pdfs, keys, audience: config.audience };
    const reader = createNoticeReader({ sql, requestDeadlineMs: config.noticesDeadlineMs });
    const pollRounds = metrics.counter(
      'shosho_feed_poll_rounds_total',
      'Poll rounds per issuer by outcome (failed: error, or SETs left that could not be checked now)',
      ['issuer', 'outcome'],
    );
    const poller = new PollScheduler({
      sql,
      receiver,
      log,
      intervalMs: config.pollIntervalMs,
      onRound: (issuer, outcome) => pollRounds.inc({ issuer, outcome }),
    });
    const auditTail = new AuditTailKeeper(sql, AuditTailKeeper.fileIn(config.dataDir), (lost) =>
      log.error('the audit log lost entries this service saw committed', { ...lost }),
    );
    registerMetrics(metrics, db, pool, pdf);
    // the first PDF should pay neither the launch nor the font loading: /readyz waits for this
    const pdfWarmUp = chromium && config.pdfWarmup ? warmUpPdf(pdf, log) : null;
    const feeds = feedMetrics(metrics, () => feedStatus(sql), log);

    const readiness: ReadinessCheck[] = [
      {
        name: 'database',
        check: async () => {
          await sql`select 1 as ok`;
          return { ok: true, detail: db.kind };
        },
      },
      { name: 'migrations', check: async () => ({ ok: await migrationsCurrent(sql, MIGRATIONS_DIR, migrations) }) },
      // issuers being down does not make shosho unready: it is reported, not fatal
      { name: 'feeds', check: async () => ({ ok: true, detail: await feedStatus(sql) }) },
      pdfReadiness(pdfWarmUp),
    ];
    const app = createApp({
      config,
      log,
      metrics,
      renderer,
      readiness,
      routes: [
        pushRoutes(receiver),
        openApiRoutes(),
        apiSurface(
          sql,
          apiRoutes({ sql, lookup, pdfs }),
          archiveApi(archiveDeps),
          contractApi({ sql }),
          noticesApi({ reader, lookup }),
          alertsApi({ sql, renderer }),
        ),
        browserRoutes(
          sql,
          sessionRoutes({ sql, renderer, login: createLogin(sql, pool), secureCookies: config.secureCookies }),
          lookupRoutes({ renderer, lookup, ledgerAttention: async (orgId) => (await countContractStates(sql, orgId)).attention }),
          certificateRoutes({ sql, renderer, pdfs }),
          archivePages(archiveDeps),
          auditPages({ sql, renderer, auditTail }),
          alertPages({ sql, renderer }),
          contractPages({ sql, renderer }),
          noticesPages({ sql, renderer, reader, lookup, archive: archiveDeps }),
        ),
      ],
    });
    const server = await listen(app, { port: config.port, host: config.host });
    poller.start();
    auditTail.start(1000);
    const mailer =
      config.smtpUrl && config.mailFrom
        ? createMailer(sql, { smtpUrl: config.smtpUrl, from: config.mailFrom, linkBase: config.publicUrl ?? server.url })
        : null;
    const outbox = new OutboxWorker({ sql, log, retryMs: config.webhookRetryMs, allowPrivate: config.webhookAllowPrivate, mailer });
    outbox.start();
    const alertJobs = new AlertJobs({
      sql,
      log,
      intervalMs: 600_000,
      jobs: { digest: digestJob(sql), missing: async () => void (await raiseMissingGuarantees(sql)) },
    });
    alertJobs.start();
    const janitor = setInterval(() => void pruneFailures(sql).catch((e) => log.warn('pruning failures failed', { err: e })), 3_600_000);
    janitor.unref();
    const auditRollups = setInterval(() => void flushAuditRollups(sql).catch((e) => log.warn('audit summaries not written yet', { err: e })), 60_000);
    auditRollups.unref();
    log.info('listening', { url: server.url, database: db.kind });
    const renderer$ = pdf;
    return {
      url: server.url,
      db,
      async stop() {
        clearInterval(janitor);
        clearInterval(feeds);
        clearInterval(auditRollups);
        await server.close();
        await flushAuditRollups(sql, { all: true }).catch((e) => log.warn('audit summaries left for the next start', { err: e }));
        await poller.stop();
        await reader.close();
        await pool.close();
        await auditTail.stop();
        await outbox.stop();
        await alertJobs.stop();
        mailer?.close();
        await renderer$.close();
        await db.close();
        log.info('stopped');
      },
    };
  } catch (e) {
    await pdf?.close().catch(() => {});
    await db.close().catch(() => {});
    throw e;
  }
}

function registerMetrics(metrics: Registry, db: Database, pool: ScryptPool, pdf: PdfRenderer) {
  metrics.gauge('shosho_process_memory_bytes', 'Process memory by type', ['type'], () => {
    const m = process.memoryUsage();
    return [
      { labels: { type: 'rss' }, value: m.rss },
      { labels: { type: 'heap_used' }, value: m.heapUsed },
      { labels: { type: 'external' }, value: m.external },
    ];
  });
  metrics.gauge('shosho_db_pool_max_connections', 'Database pool capacity (PGlite serves one session)', ['kind'], () => [
    { labels: { kind: db.kind }, value: db.maxConnections },
  ]);
  metrics.gauge('shosho_db_reachable', 'Whether the database answers its probe (0: requests get 503)', ['kind'], () => [
    { labels: { kind: db.kind }, value: db.reachable() ? 1 : 0 },
  ]);
  metrics.gauge('shosho_scrypt', 'Auth-key and password checks: running, queued, done', ['state'], () => {
    const s = pool.stats();
    return [
      { labels: { state: 'active' }, value: s.active },
      { labels: { state: 'queued' }, value: s.queued },
      { labels: { state: 'done' }, value: s.derivations },
    ];
  });
  metrics.gauge('shosho_pdf', 'PDF renderer: renders, failures, relaunches, pages in use, queued', ['state'], () =>
    Object.entries(pdf.stats()).map(([state, value]) => ({ labels: { state }, value })),
  );
}

/** Per-issuer feed figures, read from the database every 15 s (a scrape never waits on a query). */
function feedMetrics(metrics: Registry, read: () => Promise<IssuerFeedStatus[]>, log: Logger): NodeJS.Timeout {
  let latest: IssuerFeedStatus[] = [];
  const refresh = () =>
    read().then(
      (s) => {
        latest = s;
      },
      (e) => log.warn('feed status unavailable', { err: e }),
    );
  void refresh();
  const per = (pick: (s: IssuerFeedStatus) => number | null) => () =>
    latest.flatMap((s) => {
      const v = pick(s);
      return v === null ? [] : [{ labels: { issuer: s.issuer }, value: v }];
    });
  metrics.gauge(
    'shosho_feed_events_ingested',
    'SETs stored from polling, per issuer',
    ['issuer'],
    per((s) => s.eventsIngested),
  );
  metrics.gauge(
    'shosho_feed_events_refused',
    'SETs refused while polling, per issuer',
    ['issuer'],
    per((s) => s.eventsRefused),
  );
  metrics.gauge(
    'shosho_feed_lag_seconds',
    'Seconds since the last successful poll, per issuer',
    ['issuer'],
    per((s) => s.lagSeconds),
  );
  metrics.gauge(
    'shosho_feed_consecutive_failures',
    'Failed polls in a row, per issuer',
    ['issuer'],
    per((s) => s.consecutiveFailures),
  );
  metrics.gauge(
    'shosho_feed_failing',
    '1 while the last poll of an issuer failed',
    ['issuer'],
    per((s) => (s.polled ? Number(s.failing) : null)),
  );
  const timer = setInterval(refresh, 15_000);
  timer.unref();
  return timer;
}

type PdfWarmUp = Promise<'done' | 'failed'>;

/**
 * Launches the browser, opens its pages and prints one throwaway page in the certificate's fonts,
 * so the first real PDF pays neither the launch nor the font loading. Never rejects.
 */
async function warmUpPdf(pdf: PdfRenderer, log: Logger): PdfWarmUp {
  try {
    await pdf.warm();
    await pdf.render(WARM_UP_PAGE);
    return 'done';
  } catch (e) {
    log.warn('browser warm-up failed; PDFs will retry', { err: e });
    return 'failed';
  }
}

/**
 * Not ready while the warm-up runs, so that a balancer sends no first PDF to a cold browser. A
 * failed warm-up, no Chromium, or no warm-up leave the service ready: only PDFs are affected, and
 * they answer (or retry the launch) on their own.
 */
function pdfReadiness(warmUp: PdfWarmUp | null): ReadinessCheck {
  let outcome: 'warming' | 'done' | 'failed' | 'off' = warmUp ? 'warming' : 'off';
  void warmUp?.then((o) => {
    outcome = o;
  });
  return { name: 'pdf', check: async () => ({ ok: outcome !== 'warming', detail: outcome }) };
}

// Both subset families and the monospace font of a certificate, so every font path is loaded once.
const WARM_UP_PAGE: PdfRenderInput = {
  html:
    '<!doctype html><html lang="ja"><body style="font-family: IPAexMincho, serif">前払金保証証書 金49,280,000円 令和6年6月3日' +
    '<p style="font-family: IPAexGothic, sans-serif">状況 有効</p><code>SHA-256 0123abcdef</code></body></html>',
  footer: { issuer: '保証事業会社', number: '0000000000', kind: '前払金保証証書', revision: '0', jwsSha256: '0'.repeat(64), producedAt: '令和6年6月3日 JST' },
  metadata: { title: 'warm-up', subject: 'warm-up', author: 'shosho' },
  attachments: [],
};
