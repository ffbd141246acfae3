export { ROLES, type Role, type Principal } from './principal.js';
export { ScryptPool, ScryptBusyError, type ScryptParams } from './scrypt-pool.js';
export { hashPassword, verifyPassword, verifyScrypt, makeDummyDigest, MIN_PASSWORD_LENGTH } from './passwords.js';
export { lockState, recordFailure, pruneFailures, type Window } from './throttle.js';
export {
  addOrganisation, findOrganisation, answersFor, addUser, addApiToken, normaliseName, orgIdSchema, usernameSchema, type Obligee,
} from './orgs.js';
export { createSession, loadSession, endSession, endSessionByCookie, loadApiToken, SESSION_IDLE_MS, SESSION_ABSOLUTE_MS } from './sessions.js';
export { createLogin, LOGIN_USER_LIMIT, LOGIN_CLIENT_LIMIT, type Login, type LoginResult } from './login.js';
