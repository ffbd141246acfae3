import type { Command } from './commands.js';
import { checkChromium, checkDatabase, checkDataDir, checkFonts, type EnvironmentCheck } from './environment.js';

/** `shosho doctor`: what the machine lacks for shosho, each with its fix; exit 1 when anything does. */
export const doctorCommand: Command = async (_args, { config, log }) => {
  const dataDir = checkDataDir(config.dataDir);
  const checks: EnvironmentCheck[] = [
    checkChromium(config),
    await checkFonts(),
    dataDir,
    ...(config.databaseUrl || dataDir.ok ? await checkDatabase(config, log) : []),
  ];
  for (const c of checks) {
    process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(15)} ${c.detail}\n`);
    if (c.fix) process.stdout.write(`      ${''.padEnd(15)} fix: ${c.fix}\n`);
  }
  return checks.every((c) => c.ok) ? 0 : 1;
};
