import { defineConfig } from 'vitest/config';

// Tests that assert on wall-clock timing (SPEC §3: a wrong key takes as long as an unknown number)
// run after every other file, alone, so a neighbouring file's Chromium or scrypt load is not
// what they measure.
const ALONE = ['test/guessing-timing.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'shosho', include: ['test/**/*.test.ts'], exclude: ALONE, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'timing', include: ALONE, sequence: { groupOrder: 1 }, poolOptions: { forks: { singleFork: true } } } },
    ],
  },
});
