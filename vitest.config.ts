import { defineConfig } from 'vitest/config';

const UNIT = ['test/unit/**/*.test.ts', 'test/fakes/**/*.test.ts'];

/**
 * Two projects: `unit` (the core with in-memory fakes and fake timers, pure helpers, the fakes' own wire checks),
 * which runs in seconds, and `e2e` (everything else: the real app in-process or as child processes against the fake
 * Slack and OpenAI servers, security scenarios), which takes most of the suite's time. `npm test` runs both.
 */
export default defineConfig({
  test: {
    // Some unit tests (the thread sequencer, the stores) use Redis too; the set-up finds or starts one per run.
    globalSetup: ['test/setup/redis.ts'],
    // Ceilings, not waits: tests wait on signals (log lines, the fakes' requests, readiness), so a passing test
    // takes as long as the work. On a loaded 2-core machine starting a replica alone can take 15 s, so the ceiling
    // only decides how long a broken test takes to fail.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // 2 cores make more workers useless.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: {
          name: 'e2e',
          // Every other test file, so a new folder of tests can never fall outside both projects. Integration
          // tests start servers on ephemeral ports and use their own Redis key prefixes, so files run in parallel.
          include: ['test/**/*.test.ts'],
          exclude: [...UNIT, '**/node_modules/**'],
          // Tests that start the bot as a process run the compiled JavaScript, as production does.
          globalSetup: ['test/setup/redis.ts', 'test/setup/build.ts'],
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
