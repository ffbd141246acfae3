import type { Config } from '../config/index.js';
import type { Logger } from '../log/index.js';

export interface CommandContext {
  config: Config;
  log: Logger;
}
export type Command = (args: string[], ctx: CommandContext) => Promise<number>;

export { UsageError } from './errors.js';

/** Loaded on demand, so `shosho verify` starts without the web stack or a browser library. */
export const commands: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.js')).serveCommand,
  migrate: async () => (await import('./serve.js')).migrateCommand,
  demo: async () => (await import('./demo.js')).demoCommand,
  doctor: async () => (await import('./doctor.js')).doctorCommand,
  issuer: async () => (await import('./issuer.js')).issuerCommand,
  org: async () => (await import('./org.js')).orgCommand,
  user: async () => (await import('./org.js')).userCommand,
  token: async () => (await import('./org.js')).tokenCommand,
  recheck: async () => (await import('./recheck.js')).recheckCommand,
  verify: async () => (await import('./verify.js')).verifyCommand,
  webhook: async () => (await import('./webhook.js')).webhookCommand,
  contract: async () => (await import('./ledger.js')).contractCommand,
};

export function usage(): string {
  return `usage: shosho <command>

  serve                                   run the service (migrates first)
  demo                                    the service with a simulated issuer and sample certificates to try
  migrate                                 apply sql/ migrations
  doctor                                  check Chromium, fonts, the database, the data directory and the clock
  org add ID NAME [--obligee-code CODE]... [--obligee-name NAME]...
  user add USERNAME --org ID --role clerk|auditor|admin [--email ADDR] [--notify each|digest|none]   (password on standard input)
  token add --org ID [--label TEXT]                       (prints a new API token once)
  issuer add ID --iss ISS (--jwks-uri URL | --jwks FILE) [--name NAME] [--feed-url URL [--feed-token T]]
  issuer list | issuer remove ID | issuer sync ID
  recheck (--org ID | --all) [--report FILE]              re-verify archived certificates
  verify FILE.pdf [--jwks FILE|URL] [--json]              verify an archived PDF offline (no database)
  webhook add --org ID --url URL | webhook list [--org ID] | webhook remove ID   alert webhooks (add prints the secret once)
  org set ID [--contract-guarantee-ratio R] [--advance-ratio R] [--interim-ratio R] [--missing-after-days N]
  contract import --org ID FILE.csv                       import contracts (UTF-8 or Shift_JIS); exit 1 when refused
`;
}
