import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const logLevels = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof logLevels)[number];

const int = (min: number, max: number) =>
  z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);
const flag = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v));

/**
 * How long shosho waits on PostgreSQL before it answers 503 (docs/operations.md, "Database
 * limits"). Each is DATABASE_<NAME> in the environment.
 */
export interface DatabaseLimits {
  /** a new connection must be ready within this (postgres.js connect_timeout) */
  connectTimeoutMs: number;
  /** PostgreSQL statement_timeout of every session but migrations' */
  statementTimeoutMs: number;
  /** PostgreSQL idle_in_transaction_session_timeout */
  idleInTransactionTimeoutMs: number;
  /** how often the watch asks the database `select 1` */
  probeIntervalMs: number;
  /** a probe not answered within this counts as no answer (twice in a row: unreachable) */
  probeTimeoutMs: number;
  /** the longest wait before a lost connection is tried again */
  reconnectMaxMs: number;
  /** an unused pooled connection is closed after this (0: kept) */
  idleTimeoutMs: number;
  /** what a 503 database_unavailable tells clients to wait (Retry-After) */
  retryAfterSeconds: number;
}

export const DEFAULT_DATABASE_LIMITS: DatabaseLimits = {
  connectTimeoutMs: 5000,
  statementTimeoutMs: 30_000,
  idleInTransactionTimeoutMs: 60_000,
  probeIntervalMs: 1000,
  probeTimeoutMs: 2000,
  reconnectMaxMs: 500,
  idleTimeoutMs: 30_000,
  retryAfterSeconds: 5,
};

const schema = z.object({
  PORT: int(0, 65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_MAX: int(1, 100).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: int(100, 300_000).default(DEFAULT_DATABASE_LIMITS.connectTimeoutMs),
  DATABASE_STATEMENT_TIMEOUT_MS: int(100, 86_400_000).default(DEFAULT_DATABASE_LIMITS.statementTimeoutMs),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: int(100, 86_400_000).default(DEFAULT_DATABASE_LIMITS.idleInTransactionTimeoutMs),
  DATABASE_PROBE_INTERVAL_MS: int(100, 60_000).default(DEFAULT_DATABASE_LIMITS.probeIntervalMs),
  DATABASE_PROBE_TIMEOUT_MS: int(100, 60_000).default(DEFAULT_DATABASE_LIMITS.probeTimeoutMs),
  DATABASE_RECONNECT_MAX_MS: int(0, 60_000).default(DEFAULT_DATABASE_LIMITS.reconnectMaxMs),
  DATABASE_IDLE_TIMEOUT_MS: int(0, 86_400_000).default(DEFAULT_DATABASE_LIMITS.idleTimeoutMs),
  DATABASE_RETRY_AFTER_SECONDS: int(1, 3600).default(DEFAULT_DATABASE_LIMITS.retryAfterSeconds),
  SHOSHO_DATA_DIR: z.string().min(1).default('./data'),
  SHOSHO_AUDIENCE: z.string().min(1, 'must not be empty').default('urn:shosho:local'),
  SHOSHO_PUBLIC_URL: z.url('must be an absolute URL such as https://shosho.example.lg.jp').optional(),
  SHOSHO_TRUST_PROXY: flag.default(false),
  SHOSHO_PROXY_HOPS: int(1, 10).default(1),
  SHOSHO_POLL_INTERVAL_SECONDS: int(1, 86_400).default(30),
  SHOSHO_SCRYPT_CONCURRENCY: int(1, 1023).optional(),
  SHOSHO_PDF_PAGES: int(1, 8).default(2),
  SHOSHO_PDF_WARMUP: flag.default(true),
  CHROMIUM_PATH: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  SHOSHO_WEBHOOK_RETRY_MS: int(1, 3_600_000).default(30_000),
  SHOSHO_WEBHOOK_ALLOW_PRIVATE: flag.default(false),
  SHOSHO_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  SHOSHO_MAIL_FROM: z.string().min(3).optional(),
  SHOSHO_NOTICES_DEADLINE_MS: int(100, 600_000).default(15_000),
});

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  databasePoolMax: number;
  databaseLimits: DatabaseLimits;
  dataDir: string;
  audience: string;
  publicUrl: string | undefined;
  secureCookies: boolean;
  trustProxy: boolean;
  /** trusted proxies in front of shosho: the client is this many entries from the right of X-Forwarded-For */
  proxyHops: number;
  pollIntervalMs: number;
  scryptConcurrency: number;
  pdfPages: number;
  /** launch the browser at start so the first PDF does not wait for it */
  pdfWarmup: boolean;
  chromiumPath: string | undefined;
  logLevel: LogLevel;
  /** alerts (SPEC §10): first retry delay of a webhook or mail, doubling after */
  webhookRetryMs: number;
  webhookAllowPrivate: boolean;
  smtpUrl: string | undefined;
  mailFrom: string | undefined;
  /** key notices (SPEC §8): one request's files are read within this, all together */
  noticesDeadlineMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads the environment once; a bad value throws one line naming the variable and what is wrong.
 * `cores`: the CPUs this process may run on.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cores = os.availableParallelism()): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`configuration error: ${name} ${issue.message} (got ${JSON.stringify(present[name] ?? null)})`);
  }
  const c = parsed.data;
  if (c.SHOSHO_SCRYPT_CONCURRENCY !== undefined && c.SHOSHO_SCRYPT_CONCURRENCY > cores) {
    throw new ConfigError(
      `configuration error: SHOSHO_SCRYPT_CONCURRENCY must be at most the cores (${cores}): a key check is CPU work, so more threads check no more keys at once and each holds up to 64 MiB (got ${JSON.stringify(present.SHOSHO_SCRYPT_CONCURRENCY)})`,
    );
  }
  return {
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    databasePoolMax: c.DATABASE_POOL_MAX,
    databaseLimits: {
      connectTimeoutMs: c.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: c.DATABASE_STATEMENT_TIMEOUT_MS,
      idleInTransactionTimeoutMs: c.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
      probeIntervalMs: c.DATABASE_PROBE_INTERVAL_MS,
      probeTimeoutMs: c.DATABASE_PROBE_TIMEOUT_MS,
      reconnectMaxMs: c.DATABASE_RECONNECT_MAX_MS,
      idleTimeoutMs: c.DATABASE_IDLE_TIMEOUT_MS,
      retryAfterSeconds: c.DATABASE_RETRY_AFTER_SECONDS,
    },
    dataDir: path.resolve(c.SHOSHO_DATA_DIR),
    audience: c.SHOSHO_AUDIENCE,
    publicUrl: c.SHOSHO_PUBLIC_URL,
    secureCookies: c.SHOSHO_PUBLIC_URL?.startsWith('https:') ?? false,
    trustProxy: c.SHOSHO_TRUST_PROXY,
    proxyHops: c.SHOSHO_PROXY_HOPS,
    pollIntervalMs: c.SHOSHO_POLL_INTERVAL_SECONDS * 1000,
    scryptConcurrency: c.SHOSHO_SCRYPT_CONCURRENCY ?? defaultScryptConcurrency(cores),
    pdfPages: c.SHOSHO_PDF_PAGES,
    pdfWarmup: c.SHOSHO_PDF_WARMUP,
    chromiumPath: c.CHROMIUM_PATH,
    logLevel: c.LOG_LEVEL,
    webhookRetryMs: c.SHOSHO_WEBHOOK_RETRY_MS,
    webhookAllowPrivate: c.SHOSHO_WEBHOOK_ALLOW_PRIVATE,
    smtpUrl: c.SHOSHO_SMTP_URL,
    mailFrom: c.SHOSHO_MAIL_FROM,
    noticesDeadlineMs: c.SHOSHO_NOTICES_DEADLINE_MS,
  };
}

/**
 * One core stays free for everything else while keys are being guessed (2 cores: 1): the key-check
 * threads give way to it, but a thread at the lowest priority still gets a sliver of a busy core.
 */
export function defaultScryptConcurrency(cores: number): number {
  return Math.max(1, cores - 1);
}
