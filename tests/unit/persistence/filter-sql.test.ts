import type { ResolvedFilter, FilterField } from '../../../src/domain/filter/filter-field';
import { FilterSqlBuilder, MAX_FILTER_SUBQUERIES } from '../../../src/persistence/filter-sql';

const emailValue: FilterField = { kind: 'email', sub: 'value', type: 'string', caseExact: false };
const userName: FilterField = { kind: 'field', field: 'userName', type: 'string', caseExact: false };
const emails: FilterField = { kind: 'collection', collection: 'emails' };

function anyOf(nodes: readonly ResolvedFilter[]): ResolvedFilter {
  return nodes.reduce((left, right) => ({ kind: 'or', left, right }));
}

function allOf(nodes: readonly ResolvedFilter[]): ResolvedFilter {
  return nodes.reduce((left, right) => ({ kind: 'and', left, right }));
}

function subqueries(sql: string): number {
  return sql.match(/EXISTS \(/g)?.length ?? 0;
}

describe.each(['sqlite', 'postgresql'] as const)('FilterSqlBuilder on %s', (dialect) => {
  const build = (filter: ResolvedFilter) => new FilterSqlBuilder(dialect).build(filter, 'users', 'r');

  it('merges value filters on one collection joined by or into one subquery (the same rows: some email matches one of them)', () => {
    const terms = Array.from({ length: 100 }, (_, index): ResolvedFilter => ({ kind: 'valuePath', path: emails, filter: { kind: 'compare', path: emailValue, op: 'co', value: String(index) } }));
    const built = build(anyOf(terms));
    expect(subqueries(built.sql)).toBe(1);
    expect(built.bindings.filter((binding) => typeof binding === 'string' && binding.startsWith('%'))).toHaveLength(100);
  });

  it('merges emails.value and userName comparisons joined by or: one subquery, and equalities become one IN list', () => {
    const terms = Array.from({ length: 50 }, (_, index): ResolvedFilter[] => [
      { kind: 'compare', path: emailValue, op: 'eq', value: `e${index}@x.com` },
      { kind: 'compare', path: userName, op: 'eq', value: `u${index}@x.com` },
    ]).flat();
    const built = build(anyOf(terms));
    expect(subqueries(built.sql)).toBe(1);
    expect(built.sql.match(/ IN \(/g)).toHaveLength(2);
    expect(built.bindings).toEqual(expect.arrayContaining(['e0@x.com', 'u49@x.com']));
  });

  it('keeps and-joined tests on a collection apart (each needs its own element), and refuses more subqueries than the limit', () => {
    const term = (index: number): ResolvedFilter => ({ kind: 'compare', path: emailValue, op: 'co', value: String(index) });
    expect(subqueries(build(allOf(Array.from({ length: MAX_FILTER_SUBQUERIES }, (_, index) => term(index)))).sql)).toBe(MAX_FILTER_SUBQUERIES);
    expect(() => build(allOf(Array.from({ length: MAX_FILTER_SUBQUERIES + 1 }, (_, index) => term(index))))).toThrow(
      expect.objectContaining({ code: 'INVALID_FILTER', message: expect.stringContaining(`more than ${MAX_FILTER_SUBQUERIES} subqueries`) }),
    );
  });
});
