import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure logic, runs in parallel) and `serial` (real engine, real servers,
 * child processes, browsers: one file at a time with one engine thread, so CI stays predictable
 * on a 2-core machine).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['src/**/*.test.ts', 'web/src/**/*.test.ts'],
          exclude: ['src/**/*.slow.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'serial',
          // After the unit project: engine-heavy files get the machine to themselves.
          sequence: { groupOrder: 1 },
          include: ['src/**/*.slow.test.ts', 'test/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
          env: { ENGINE_THREADS: '1' },
        },
      },
    ],
  },
});
