import { ConfigError, loadConfig } from '../config/index.js';
import { createLogger } from '../log/index.js';
import { commands, usage, UsageError } from './commands.js';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const config = loadConfig();
  const log = createLogger(config.logLevel, { service: 'shosho' });
  const load = commands[name];
  if (!load) throw new UsageError(`unknown command "${name}"`);
  return (await load())(rest, { config, log });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof ConfigError || e instanceof UsageError) {
      process.stderr.write(`shosho: ${e.message}\n`);
      if (e instanceof UsageError) process.stderr.write(usage());
      process.exitCode = 2;
    } else {
      process.stderr.write(`shosho: ${(e as Error).message ?? e}\n`);
      process.exitCode = 1;
    }
  },
);
