import type { ReferenceIssuer } from '../../reference-issuer/index.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { registeredIssuer } from './issuer.js';
import { PgProxy } from './pg-proxy.js';
import { startServeProcess, type ServeProcess } from './serve-process.js';

export interface ServiceBehindProxy {
  db: TestDatabase;
  /** the only way the service reaches the database: the test takes it down, partitions or resets it */
  proxy: PgProxy;
  svc: ServeProcess;
  /** Kills the service and ends the proxy, the issuer and the database. */
  close(): Promise<void>;
}

/**
 * A fresh database and `shosho serve` as its own process reaching it through a PgProxy; with
 * `issuerId`, a reference issuer registered before the service starts (so it starts knowing it).
 */
export function serveBehindProxy(opts: { issuerId: string; env?: Record<string, string> }): Promise<ServiceBehindProxy & { issuer: ReferenceIssuer }>;
export function serveBehindProxy(opts?: { env?: Record<string, string> }): Promise<ServiceBehindProxy>;
export async function serveBehindProxy(opts: { issuerId?: string; env?: Record<string, string> } = {}) {
  const db = await createTestDatabase();
  const proxy = new PgProxy();
  let issuer: ReferenceIssuer | undefined;
  let svc: ServeProcess | undefined;
  const close = async () => {
    svc?.child.kill('SIGKILL');
    await proxy.down();
    await issuer?.close();
    await db.drop();
  };
  try {
    if (opts.issuerId) issuer = await registeredIssuer(db.sql, opts.issuerId);
    await proxy.up();
    svc = await startServeProcess({ DATABASE_URL: proxy.url(db.name), ...opts.env });
  } catch (e) {
    await close();
    throw e;
  }
  return { db, proxy, svc, issuer, close };
}

/**
 * How the JSON API answers a lookup with a well-formed token no organisation holds, which only the
 * database can tell: status, Retry-After and error code.
 */
export async function apiLookupAnswer(base: string) {
  const res = await fetch(`${base}/api/v1/lookup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer shosho_${'A'.repeat(43)}` },
    body: JSON.stringify({ number: '5300000000', authKey: 'AB12CD34' }),
  });
  const body = (await res.json().catch(() => null)) as { error?: { code?: string } } | null;
  return { status: res.status, retryAfter: res.headers.get('retry-after'), code: body?.error?.code };
}
