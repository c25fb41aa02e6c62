import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (the core with in-memory fakes and fake timers, pure helpers, the fakes' own wire checks),
 * which runs in seconds, and `e2e` (the real app in-process or as child processes against fake Slack and OpenAI
 * servers), which takes most of the suite's time. `npm test` runs both; `npm run test:unit` only the first.
 */
export default defineConfig({
  test: {
    // Some unit tests (the thread sequencer, the stores) use Redis too; the set-up finds or starts one per run.
    globalSetup: ['test/setup/redis.ts'],
    // 2 cores make more workers useless.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/fakes/**/*.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          // Integration tests start servers on ephemeral ports and use their own Redis key prefixes, so files can
          // run in parallel.
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
