import type { Principal } from '../auth/index.js';
import type { Logger } from '../log/index.js';

export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    lang: 'ja' | 'en';
    clientIp: string;
    principal: Principal | null;
    /** unresolved alerts of a signed-in person's organisation (every page's header) */
    openAlerts?: number;
  };
};
