/**
 * A node:test reporter that ends the run with the plain line CI reads: `N passed, N failed`
 * (and `, N skipped` when any were). Suites are not counted, only tests.
 */
interface TestEvent {
  readonly type: string;
  readonly data: {
    readonly skip?: unknown;
    readonly todo?: unknown;
    readonly details?: { readonly type?: string };
  };
}

export default async function* summaryReporter(
  source: AsyncIterable<TestEvent>,
): AsyncGenerator<string> {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.data.details?.type === 'suite') {
      continue;
    }
    if (event.type === 'test:pass') {
      if (event.data.skip !== undefined || event.data.todo !== undefined) {
        skipped++;
      } else {
        passed++;
      }
    } else if (event.type === 'test:fail') {
      failed++;
    }
  }
  yield `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`;
}
