import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/redis.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Integration tests start servers on ephemeral ports and use their own Redis key prefixes,
    // so files can run in parallel; 2 cores make more workers useless.
    maxWorkers: 2,
  },
});
