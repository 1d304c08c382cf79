/**
 * A vitest reporter that ends the output with one machine-readable line,
 * `N passed, M failed` (plus `, K skipped` when K > 0), for CI to read. It runs beside the
 * default reporter, which still prints the details.
 */
import type { Reporter, SerializedError, TestModule, Vitest } from 'vitest/node';

export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Counts test cases by state. A module that failed without any failing test (it did not load,
 * or a beforeAll/afterAll hook threw), an unhandled error, and a test still pending when the
 * run ended (interrupted) each count as one failure, so that the line never reads clean when
 * the run was not.
 */
export function countResults(
  testModules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError>,
): TestCounts {
  const counts: TestCounts = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
  for (const testModule of testModules) {
    let failedInModule = 0;
    for (const testCase of testModule.children.allTests()) {
      const state = testCase.result().state;
      if (state === 'passed') counts.passed += 1;
      else if (state === 'skipped') counts.skipped += 1;
      else failedInModule += 1;
    }
    const moduleBroken = testModule.state() === 'failed' || testModule.errors().length > 0;
    if (failedInModule === 0 && moduleBroken) failedInModule = 1;
    counts.failed += failedInModule;
  }
  return counts;
}

export function formatCounts({ passed, failed, skipped }: TestCounts): string {
  return `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}

export default class TestSummaryReporter implements Reporter {
  private watchMode = false;
  private line: string | undefined;

  onInit(vitest: Vitest): void {
    this.watchMode = vitest.config.watch;
    // In a single run, print at process exit: reporters finish in parallel and vitest may still
    // log (unhandled errors, teardown warnings) after onTestRunEnd, yet this must be the last line.
    if (!this.watchMode) {
      process.once('exit', () => {
        if (this.line !== undefined) process.stdout.write(`${this.line}\n`);
      });
    }
  }

  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    this.line = formatCounts(countResults(testModules, unhandledErrors));
    if (this.watchMode) process.stdout.write(`${this.line}\n`);
  }
}
