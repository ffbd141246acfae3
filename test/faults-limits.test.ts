import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_DATABASE_LIMITS, loadConfig } from '../src/config/index.js';
import { asDatabaseUnavailable, openDatabase } from '../src/db/index.js';
import { silentLogger } from '../src/log/index.js';
import { apiLookupAnswer, serveBehindProxy, type ServiceBehindProxy } from './helpers/behind-proxy.js';

describe('database limits from the environment', () => {
  it.each([
    ['DATABASE_CONNECT_TIMEOUT_MS', '5s', /DATABASE_CONNECT_TIMEOUT_MS must be a whole number/],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '1.5', /DATABASE_STATEMENT_TIMEOUT_MS must be a whole number/],
    ['DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', '0', /DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS must be at least 100/],
    ['DATABASE_PROBE_INTERVAL_MS', '600000', /DATABASE_PROBE_INTERVAL_MS must be at most 60000/],
    ['DATABASE_PROBE_TIMEOUT_MS', '-1', /DATABASE_PROBE_TIMEOUT_MS must be at least 100/],
    ['DATABASE_RECONNECT_MAX_MS', 'soon', /DATABASE_RECONNECT_MAX_MS must be a whole number/],
    ['DATABASE_IDLE_TIMEOUT_MS', '1e12', /DATABASE_IDLE_TIMEOUT_MS must be at most 86400000/],
    ['DATABASE_RETRY_AFTER_SECONDS', '0', /DATABASE_RETRY_AFTER_SECONDS must be at least 1/],
    ['DATABASE_POOL_MAX', '0', /DATABASE_POOL_MAX must be at least 1/],
  ])('%s=%s is refused, naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('defaults to the documented limits and reads each variable', () => {
    expect(loadConfig({}).databaseLimits).toEqual(DEFAULT_DATABASE_LIMITS);
    expect(
      loadConfig({
        DATABASE_CONNECT_TIMEOUT_MS: '3000',
        DATABASE_STATEMENT_TIMEOUT_MS: '10000',
        DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '20000',
        DATABASE_PROBE_INTERVAL_MS: '500',
        DATABASE_PROBE_TIMEOUT_MS: '1500',
        DATABASE_RECONNECT_MAX_MS: '0',
        DATABASE_IDLE_TIMEOUT_MS: '0',
        DATABASE_RETRY_AFTER_SECONDS: '9',
      }).databaseLimits,
    ).toEqual({
      connectTimeoutMs: 3000,
      statementTimeoutMs: 10_000,
      idleInTransactionTimeoutMs: 20_000,
      probeIntervalMs: 500,
      probeTimeoutMs: 1500,
      reconnectMaxMs: 0,
      idleTimeoutMs: 0,
      retryAfterSeconds: 9,
    });
  });
});

describe('the limits reach PostgreSQL and the clients', () => {
  let fx: ServiceBehindProxy;
  beforeAll(async () => {
    fx = await serveBehindProxy({ env: { DATABASE_RETRY_AFTER_SECONDS: '17' } });
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
  });

  it('every session has the statement and idle-in-transaction timeouts; a statement past its limit is a 503, not a 500', async () => {
    const limits = { ...DEFAULT_DATABASE_LIMITS, statementTimeoutMs: 300, idleInTransactionTimeoutMs: 4321 };
    const pool = await openDatabase({ url: fx.db.url, dataDir: '/nonexistent', limits, log: silentLogger });
    try {
      const [row] = await pool.sql<{ statement: string; idle: string }[]>`
        select current_setting('statement_timeout') as statement, current_setting('idle_in_transaction_session_timeout') as idle`;
      expect(row).toEqual({ statement: '300ms', idle: '4321ms' });
      const slow = await pool.sql`select pg_sleep(5)`.then(
        () => null,
        (e: unknown) => e,
      );
      expect(slow).toMatchObject({ code: '57014' });
      expect(asDatabaseUnavailable(slow)).not.toBeNull();
    } finally {
      await pool.close();
    }
  });

  it('DATABASE_RETRY_AFTER_SECONDS is what a 503 database_unavailable says', async () => {
    await fx.proxy.down();
    expect(await apiLookupAnswer(fx.svc.url)).toEqual({ status: 503, retryAfter: '17', code: 'database_unavailable' });
  });
});
