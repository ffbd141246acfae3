import type { ReferenceIssuer } from '../../reference-issuer/index.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { registeredIssuer } from './issuer.js';
import { startTestService } from './service.js';

export interface ServiceFixture {
  db: TestDatabase;
  issuer: ReferenceIssuer;
  base: string;
  close(): Promise<void>;
}

/** A fresh database, a registered reference issuer and the real service on a free port. */
export async function serviceWithIssuer(env: Record<string, string> = {}): Promise<ServiceFixture> {
  const db = await createTestDatabase();
  const issuer = await registeredIssuer(db.sql);
  const svc = await startTestService(db, env);
  return {
    db,
    issuer,
    base: svc.url,
    async close() {
      await svc.stop();
      await issuer.close();
      await db.drop();
    },
  };
}

/** A JSON API call with an organisation's bearer token; `json` is null for a PDF or other bytes. */
export async function apiCall(base: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const buf = Buffer.from(await res.arrayBuffer());
  let json: any = null;
  try {
    json = JSON.parse(buf.toString('utf8'));
  } catch {
    // a PDF, a SET or HTML
  }
  return { status: res.status, json, buf, text: buf.toString('utf8'), headers: res.headers };
}
