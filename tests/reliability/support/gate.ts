import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../support/processes';
import { testDatabaseKind } from '../../support/test-app';

/** `reduced` (CI, `npm test`) or `full` (`npm run test:reliability -- --full`): same code, other counts. */
export const RELIABILITY_MODE: 'reduced' | 'full' = process.env.RELIABILITY_MODE === 'full' ? 'full' : 'reduced';

/** The count for this mode. */
export function sized(reduced: number, full: number): number {
  return RELIABILITY_MODE === 'full' ? full : reduced;
}

export const FIGURES_DIRECTORY = process.env.RELIABILITY_FIGURES_DIR ?? path.join(PROJECT_ROOT, '.test-output', 'reliability', 'figures');

/**
 * Records the measured figure of the running gate (one jest test) for the report table. PASS needs the
 * test's assertions to hold and, for a gate with a time budget, `withinBudget`: timings are judged in
 * the report, never asserted in a test.
 */
export function recordFigure(figure: string, withinBudget = true): void {
  const test = expect.getState().currentTestName;
  if (!test) throw new Error('recordFigure is called inside a test');
  mkdirSync(FIGURES_DIRECTORY, { recursive: true });
  const database = testDatabaseKind();
  const file = path.join(FIGURES_DIRECTORY, `${database}-${test.replace(/[^a-z0-9]+/gi, '-').slice(0, 120)}.json`);
  writeFileSync(file, JSON.stringify({ test, database, figure, withinBudget }));
  console.log(`[${database}] ${test}: ${figure}`);
}

/** Runs `work` over `items` with at most `width` in flight. */
export async function inParallel<T, R>(items: readonly T[], width: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index], index);
    }
  });
  await Promise.all(lanes);
  return results;
}
