import { costOf, MAX_LIST_LENGTH, MAX_VALUE_LENGTH, StepBudget } from '../../../src/domain/mapping/evaluate-expression';
import { EvaluationFailure, MAX_REGEX_INPUT_LENGTH } from '../../../src/domain/mapping/expression-functions';
import { evaluate, RAW_USER } from './mapping-fixtures';

const LONG = { ...RAW_USER, long: 'a'.repeat(9_000), huge: 'b'.repeat(MAX_VALUE_LENGTH + 1), many: Array.from({ length: 2_000 }, (_, index) => `v${index}`) };

describe('evaluation limits', () => {
  it('stops an expression that exceeds its step budget, naming the budget', () => {
    expect(evaluate('lower(upper(lower(upper(src.long))))', { raw: LONG, budget: 1_000 })).toEqual({
      failure: expect.stringContaining('evaluation needs more than its budget of 1000 steps'),
    });
    expect(evaluate('lower(upper(lower(upper(src.long))))', { raw: LONG, budget: 10_000 })).toBe('a'.repeat(9_000));
  });

  it('stops a catastrophic regular expression by budget, in linear time', () => {
    const started = Date.now();
    expect(evaluate(`regexMatch("${'a'.repeat(1_000)}!", /(a+)+$/)`, { budget: 20_000 })).toEqual({
      failure: expect.stringContaining('regexMatch: evaluation needs more than its budget'),
    });
    expect(Date.now() - started).toBeLessThan(500);
  });

  it(`refuses regular expressions on text longer than ${MAX_REGEX_INPUT_LENGTH} characters`, () => {
    expect(evaluate('regexMatch(src.long, /a/)', { raw: LONG })).toEqual({
      failure: `regexMatch: the text is longer than ${MAX_REGEX_INPUT_LENGTH} characters, the limit for regular expressions`,
    });
    expect(evaluate(`regexMatch(left(src.long, ${MAX_REGEX_INPUT_LENGTH}), /^a+$/)`, { raw: LONG })).toBe(true);
  });

  it(`refuses to produce text longer than ${MAX_VALUE_LENGTH} characters`, () => {
    expect(evaluate('append(src.long, src.long)', { raw: LONG, budget: 100_000 })).toEqual({
      failure: `the result is longer than ${MAX_VALUE_LENGTH} characters`,
    });
    expect(evaluate('replace(replace(replace(replace("ab", "a", "aaaaaaaaaa"), "a", "aaaaaaaaaa"), "a", "aaaaaaaaaa"), "a", "aaaaaaaaaa")', { budget: 100_000 })).toEqual({
      failure: `the result is longer than ${MAX_VALUE_LENGTH} characters`,
    });
  });

  it(`refuses to produce lists longer than ${MAX_LIST_LENGTH} elements`, () => {
    expect(evaluate('lower(src.many)', { raw: LONG, budget: 100_000 })).toEqual({ failure: `the result has more than ${MAX_LIST_LENGTH} elements` });
    expect(evaluate('count(src.many)', { raw: LONG, budget: 100_000 })).toBe(2_000);
  });

  it('reads long source values (they are only charged), and passes them through', () => {
    expect(evaluate('len(src.huge)', { raw: LONG, budget: 100_000 })).toBe(MAX_VALUE_LENGTH + 1);
  });

  it('evaluates only the branch that is taken, so the other branch costs nothing', () => {
    const expensive = 'lower(upper(lower(upper(src.long))))';
    expect(evaluate(`if(true, "cheap", ${expensive})`, { raw: LONG, budget: 100 })).toBe('cheap');
    expect(evaluate(`coalesce("cheap", ${expensive})`, { raw: LONG, budget: 100 })).toBe('cheap');
    expect(evaluate(`switch("a", ${expensive}, "a", "cheap")`, { raw: LONG, budget: 100 })).toBe('cheap');
    expect(evaluate(`false and isEmpty(${expensive})`, { raw: LONG, budget: 100 })).toBe(false);
    expect(evaluate(`true or isEmpty(${expensive})`, { raw: LONG, budget: 100 })).toBe(true);
  });

  it('charges one step per 16 characters and per list element', () => {
    expect(costOf('x'.repeat(160))).toBe(11);
    expect(costOf(['a', 'b'])).toBe(3);
    expect(costOf({ ab: 'c' })).toBe(3);
    expect(costOf(null)).toBe(1);
  });

  it('a budget counts what it charged and fails past its limit', () => {
    const budget = new StepBudget(10);
    budget.charge(10);
    expect(budget.spent).toBe(10);
    expect(() => budget.charge(1)).toThrow(EvaluationFailure);
  });
});
