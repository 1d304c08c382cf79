/**
 * Three test tiers: unit (pure TS), gpu (Dawn in Node), e2e (Chromium).
 * The tiers run one after another (`sequence.groupOrder`) and the GPU-bound ones one file at a
 * time: software WebGPU (SwiftShader) is CPU-bound and small CI machines have two cores.
 */
import { defineConfig } from 'vitest/config';
import TestSummaryReporter from './tools/test-summary-reporter.ts';

export default defineConfig({
  test: {
    reporters: ['default', new TestSummaryReporter()],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'gpu',
          include: ['test/gpu/**/*.test.ts'],
          environment: 'node',
          // Dawn is a native addon: a process per worker keeps a crash from taking others along.
          pool: 'forks',
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 180_000,
          hookTimeout: 180_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
