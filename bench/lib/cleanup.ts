/**
 * Cleanup that runs however the benchmark ends: normally (runCleanup at the end of main), on an
 * error, or on Ctrl-C / SIGTERM. Most recent first, so children stop before their database drops.
 */
const tasks: Array<() => Promise<void> | void> = [];
let running: Promise<void> | null = null;

export function onCleanup(task: () => Promise<void> | void): void {
  tasks.push(task);
}

export function runCleanup(): Promise<void> {
  running ??= (async () => {
    while (tasks.length) {
      const t = tasks.pop()!;
      try {
        await t();
      } catch (e) {
        process.stderr.write(`cleanup: ${(e as Error).message}\n`);
      }
    }
  })();
  return running;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void runCleanup().finally(() => process.exit(130));
  });
}

/** Runs a benchmark's main function with cleanup, a hard time limit, and a non-zero exit on failure. */
export function main(fn: () => Promise<void>, opts: { timeLimitMs: number }): void {
  const limit = setTimeout(() => {
    process.stderr.write(`time limit of ${Math.round(opts.timeLimitMs / 1000)} s reached: stopping\n`);
    void runCleanup().finally(() => process.exit(2));
  }, opts.timeLimitMs);
  limit.unref();
  fn()
    .then(async () => {
      await runCleanup();
      clearTimeout(limit);
      process.exit(0);
    })
    .catch(async (e) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      await runCleanup();
      process.exit(1);
    });
}
