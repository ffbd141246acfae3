export type Role = 'clerk' | 'auditor' | 'admin';
export const ROLES: readonly Role[] = ['clerk', 'auditor', 'admin'];

/** Who is asking: a signed-in person (session) or an obligee system (API token). */
export interface Principal {
  kind: 'session' | 'token';
  orgId: string;
  orgName: string;
  /** the username, or `token:<id>`: what the audit log records as the actor */
  actor: string;
  role: Role | 'api';
  username: string | null;
  userId: string | null;
  sessionId: string | null;
  csrfToken: string | null;
  /** A session's organisation's open alerts (every page's header), read with the session in the same query. */
  openAlerts?: number;
}
