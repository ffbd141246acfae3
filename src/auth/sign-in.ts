import { appendAudit } from '../auditlog/index.js';
import type { Sql } from '../db/index.js';
import { endSession, endSessionByCookie } from './sessions.js';

interface Requester {
  client: string;
  requestId: string;
}

/** A sign-in took: the browser's earlier session (if any) ends and the sign-in is recorded, in one transaction. */
export function recordSignIn(sql: Sql, user: { username: string; orgId: string } & Requester, previousCookie: string | undefined): Promise<void> {
  return sql.begin(async (tx) => {
    if (previousCookie) await endSessionByCookie(tx, previousCookie);
    await appendAudit(tx, [{ action: 'login', outcome: 'success', actor: user.username, orgId: user.orgId, client: user.client, requestId: user.requestId }]);
  });
}

/** Signing out: the session ends and the sign-out is recorded, in one transaction. */
export function signOut(sql: Sql, sessionIdHash: string, user: { actor: string; orgId: string } & Requester): Promise<void> {
  return sql.begin(async (tx) => {
    await endSession(tx, sessionIdHash);
    await appendAudit(tx, [{ action: 'logout', outcome: 'success', actor: user.actor, orgId: user.orgId, client: user.client, requestId: user.requestId }]);
  });
}
