import type { Principal } from '../auth/index.js';
import type { Logger } from '../log/index.js';
import type { Surface } from './surface.js';

export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    lang: 'ja' | 'en';
    clientIp: string;
    principal: Principal | null;
    surface: Surface;
    /** unresolved alerts of a signed-in person's organisation (every page's header) */
    openAlerts?: number;
  };
};
