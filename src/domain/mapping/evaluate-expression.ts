/**
 * Evaluates a checked expression tree. Cost is metered: every node costs one step, every value a
 * node yields costs one step per 16 characters and per list element, and regular expressions cost
 * their VM steps; the budget throws EvaluationFailure when spent. Produced text and lists are capped,
 * so no sequence of nested calls can grow a value without bound.
 */
import type { ExpressionNode } from './expression-ast';
import { EvaluationFailure, findFunction, type CallArguments, type EvaluationScope, type FunctionSpec } from './expression-functions';
import { isEmptyValue, isTable, sameValue, type MappingValue } from './mapping-values';
import type { StepMeter } from './safe-regex';
import { readSourcePath } from './source-path';

/** Longest text an expression may produce, in characters. */
export const MAX_VALUE_LENGTH = 10_000;
/** Most elements in a list an expression produces. */
export const MAX_LIST_LENGTH = 1_000;
/** Characters of a value that cost one step (calibrated so a step of text work is about as slow as a regex step). */
const CHARACTERS_PER_STEP = 16;

/** A step budget; `charge` throws EvaluationFailure once more than `limit` steps are used. */
export class StepBudget implements StepMeter {
  private used = 0;

  constructor(readonly limit: number) {}

  get spent(): number {
    return this.used;
  }

  charge(steps: number): void {
    this.used += steps;
    if (this.used > this.limit) throw new EvaluationFailure(`evaluation needs more than its budget of ${this.limit} steps`);
  }
}

/** The evaluation cost of holding `value`: one step per 16 characters and per list element or table entry. */
export function costOf(value: MappingValue): number {
  if (typeof value === 'string') return 1 + Math.floor(value.length / CHARACTERS_PER_STEP);
  if (Array.isArray(value)) return value.reduce((total: number, element) => total + costOf(element), 1);
  if (isTable(value)) return Object.entries(value).reduce((total, [key, entry]) => total + costOf(key) + costOf(entry), 1);
  return 1;
}

export function evaluateExpression(root: ExpressionNode, scope: EvaluationScope): MappingValue {
  return evaluate(root, scope);
}

function evaluate(node: ExpressionNode, scope: EvaluationScope): MappingValue {
  scope.meter.charge(1);
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'regex':
      throw new EvaluationFailure('a regular expression is not a value', node.start);
    case 'value':
      return charged(scope.value, scope);
    case 'source':
      return charged(readSourcePath(scope.raw, node.path.segments), scope);
    case 'list':
      return bounded(
        node.items.map((item) => evaluate(item, scope)),
        node,
        scope,
      );
    case 'table': {
      const table: Record<string, MappingValue> = {};
      for (const entry of node.entries) table[entry.key] = evaluate(entry.value, scope);
      return table;
    }
    case 'not':
      return evaluate(node.operand, scope) !== true;
    case 'logical': {
      const left = evaluate(node.left, scope) === true;
      if (node.operator === 'and' ? !left : left) return left;
      return evaluate(node.right, scope) === true;
    }
    case 'compare':
      return compare(node.operator, evaluate(node.left, scope), evaluate(node.right, scope));
    case 'call':
      return evaluateCall(node, scope);
  }
}

function compare(operator: string, left: MappingValue, right: MappingValue): boolean {
  if (operator === '==' || operator === '!=') {
    // Absent values are one state in SCIM: null == "" holds.
    const equal = (isEmptyValue(left) && isEmptyValue(right)) || sameValue(left, right);
    return operator === '==' ? equal : !equal;
  }
  const bothNumbers = typeof left === 'number' && typeof right === 'number';
  const bothTexts = typeof left === 'string' && typeof right === 'string';
  if (!bothNumbers && !bothTexts) return false;
  const order = left === right ? 0 : (left as number | string) < (right as number | string) ? -1 : 1;
  switch (operator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    default:
      return order >= 0;
  }
}

function evaluateCall(node: Extract<ExpressionNode, { kind: 'call' }>, scope: EvaluationScope): MappingValue {
  const spec = findFunction(node.name);
  if (spec === undefined) throw new EvaluationFailure(`unknown function '${node.name}'`, node.start);
  try {
    const args = lazyArguments(node.args, scope);
    const first = spec.elementwise ? args.value(0) : null;
    const result = Array.isArray(first) ? evaluateEach(spec, first, args, scope) : spec.evaluate(args, scope);
    return bounded(result, node, scope);
  } catch (error) {
    if (error instanceof EvaluationFailure && error.offset === undefined) {
      throw new EvaluationFailure(`${node.name}: ${error.message}`, node.start);
    }
    throw error;
  }
}

/** An elementwise function over a list: applied to each element, empty results dropped. */
function evaluateEach(spec: FunctionSpec, elements: readonly MappingValue[], args: CallArguments, scope: EvaluationScope): MappingValue {
  const results: MappingValue[] = [];
  for (const element of elements) {
    scope.meter.charge(1);
    const result = spec.evaluate(withFirst(args, element), scope);
    if (!isEmptyValue(result)) results.push(result);
  }
  return results;
}

function withFirst(args: CallArguments, first: MappingValue): CallArguments {
  return {
    count: args.count,
    value: (index) => (index === 0 ? first : args.value(index)),
    regex: (index) => args.regex(index),
    isRegex: (index) => args.isRegex(index),
  };
}

/** Arguments evaluated on first use, so `if`, `coalesce` and `switch` evaluate only what they need. */
function lazyArguments(nodes: readonly ExpressionNode[], scope: EvaluationScope): CallArguments {
  const values = new Map<number, MappingValue>();
  return {
    count: nodes.length,
    value(index) {
      if (index >= nodes.length) return null;
      const known = values.get(index);
      if (known !== undefined) return known;
      const value = evaluate(nodes[index], scope);
      values.set(index, value);
      return value;
    },
    regex(index) {
      const node = nodes[index];
      if (node?.kind !== 'regex') throw new EvaluationFailure('expected a regular expression literal');
      return node.regex;
    },
    isRegex: (index) => nodes[index]?.kind === 'regex',
  };
}

function charged(value: MappingValue, scope: EvaluationScope): MappingValue {
  scope.meter.charge(costOf(value));
  return value;
}

/** Charges a produced value and refuses one over the size limits. */
function bounded(value: MappingValue, node: ExpressionNode, scope: EvaluationScope): MappingValue {
  charged(value, scope);
  if (typeof value === 'string' && value.length > MAX_VALUE_LENGTH) {
    throw new EvaluationFailure(`the result is longer than ${MAX_VALUE_LENGTH} characters`, node.start);
  }
  if (Array.isArray(value) && value.length > MAX_LIST_LENGTH) {
    throw new EvaluationFailure(`the result has more than ${MAX_LIST_LENGTH} elements`, node.start);
  }
  return value;
}
