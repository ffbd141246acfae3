export { ROLES, type Role, type Principal } from './principal.js';
export { ScryptPool, ScryptBusyError, type ScryptParams, type ScryptLane, type Derive } from './scrypt-pool.js';
export { hashPassword, verifyPassword, verifyScrypt, makeDummyDigest, MIN_PASSWORD_LENGTH } from './passwords.js';
export { lockState, reserveAttempt, recordFailure, releaseAttempt, pruneFailures, PENDING_EXPIRY_MS, type Window, type Reservation } from './throttle.js';
export {
  addOrganisation,
  findOrganisation,
  answersFor,
  addUser,
  addApiToken,
  normaliseName,
  orgIdSchema,
  usernameSchema,
  type Obligee,
} from './orgs.js';
export { createSession, loadSession, endSession, endSessionByCookie, loadApiToken, SESSION_IDLE_MS, SESSION_ABSOLUTE_MS } from './sessions.js';
export { recordSignIn, signOut } from './sign-in.js';
export { createLogin, LOGIN_USER_LIMIT, LOGIN_CLIENT_LIMIT, BUSY_RETRY_AFTER_SECONDS, type Login, type LoginResult } from './login.js';
/** The audit log actions this capability records (auditlog/actions.ts joins every list into AuditAction). */
export const AUTH_AUDIT_ACTIONS = ['login', 'logout', 'admin.org.add', 'admin.user.add', 'admin.token.add'] as const;
