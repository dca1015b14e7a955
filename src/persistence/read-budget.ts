import { DomainError } from '../domain/errors';

/** FILTER_READ_BUDGET_MS's default (docs/limits.md). */
export const DEFAULT_READ_BUDGET_MS = 1000;

/** The SQL function a filter's predicate calls per row on SQLite, so a read past its budget stops (see SqliteConnection). */
export const SQLITE_BUDGET_FUNCTION = 'within_read_budget';

/** PostgreSQL's query_canceled: what statement_timeout raises. */
const QUERY_CANCELED = '57014';

/** The answer to a read that ran past its budget. */
export function readBudgetExceeded(budgetMs: number): DomainError {
  return new DomainError(
    'TOO_MANY',
    `the filter takes longer than ${budgetMs} ms over this tenant's data: narrow it with a test on an indexed attribute (id, userName, externalId eq ...)`,
  );
}

export function isStatementTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === QUERY_CANCELED;
}
