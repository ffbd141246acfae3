import type { Config } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { demoCommand } from './demo.js';
import { issuerCommand } from './issuer.js';
import { orgCommand, tokenCommand, userCommand } from './org.js';
import { migrateCommand, serveCommand } from './serve.js';

export interface CommandContext {
  config: Config;
  log: Logger;
}
export type Command = (args: string[], ctx: CommandContext) => Promise<number>;

export { UsageError } from './errors.js';

export const commands: Record<string, Command> = {
  serve: serveCommand,
  migrate: migrateCommand,
  issuer: issuerCommand,
  org: orgCommand,
  user: userCommand,
  token: tokenCommand,
  demo: demoCommand,
};

export function usage(): string {
  return `usage: shosho <command>

  serve                                   run the service (migrates first)
  demo                                    the service with a simulated issuer and sample certificates to try
  migrate                                 apply sql/ migrations
  issuer add ID --iss ISS (--jwks-uri URL | --jwks FILE) [--name NAME] [--feed-url URL [--feed-token T]]
  issuer list | issuer remove ID | issuer sync ID
  org add ID NAME [--obligee-code CODE]... [--obligee-name NAME]...
  user add USERNAME --org ID --role clerk|auditor|admin   (password on standard input)
  token add --org ID [--label TEXT]                       (prints a new API token once)
`;
}
