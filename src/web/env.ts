import type { Logger } from '../log/index.js';

/** Who is asking: a signed-in person (session) or an obligee system (API token). */
export interface Principal {
  kind: 'session' | 'token';
  orgId: string;
  orgName: string;
  /** username for sessions, `token:<id>` for API tokens: what the audit log records as the actor */
  actor: string;
  role: 'clerk' | 'auditor' | 'admin' | 'api';
  userId: string | null;
  sessionId: string | null;
  csrfToken: string | null;
}

export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    lang: 'ja' | 'en';
    clientIp: string;
    principal: Principal | null;
  };
};
