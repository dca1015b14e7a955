/**
 * Static checks of a parsed expression: known functions, argument counts and types, literal-only
 * arguments (regular expressions, map tables, option list names, date formats, templates), and the
 * result type the rule's target must accept. String patterns are compiled here, so evaluation only
 * ever sees compiled regular expressions.
 */
import { checkDateFormat } from './date-format';
import type { ExpressionNode, StaticType } from './expression-ast';
import { findFunction, parseTemplatePlaceholder, splitTemplate, suggestFunction, type FunctionParam, type FunctionSpec, type ParamKind } from './expression-functions';
import { compileSafeRegex } from './safe-regex';

export interface CheckEnvironment {
  readonly schemaUrns: readonly string[];
  readonly hasOptionList: (key: string) => boolean;
  /** The type of `value`; undefined where `value` means nothing (a rule's own `expr`). */
  readonly valueType?: StaticType;
}

export interface CheckIssue {
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** Offset in the expression text; -1 for nodes built from a pipe step. */
  readonly offset: number;
}

export interface CheckedExpression {
  /** The tree with string patterns compiled to regular expression nodes. */
  readonly root: ExpressionNode;
  readonly type: StaticType;
  readonly issues: readonly CheckIssue[];
}

const MATCH_MODES = ['caseInsensitive', 'exact'];

export function checkExpression(root: ExpressionNode, environment: CheckEnvironment): CheckedExpression {
  const issues: CheckIssue[] = [];
  const checker = new ExpressionChecker(environment, issues);
  const { node, type } = checker.check(root);
  return { root: node, type, issues };
}

/** Whether a value of static type `type` can be given where `kind` is expected. */
function accepts(kind: ParamKind, type: StaticType): boolean {
  if (type === 'any' || type === 'null') return true;
  switch (kind) {
    case 'any':
      return type !== 'regex';
    case 'text':
      return type === 'string' || type === 'number' || type === 'list';
    case 'number':
      return type === 'number' || type === 'string';
    case 'boolean':
      return type === 'boolean';
    case 'list':
      return type === 'list' || type === 'string' || type === 'number';
    default:
      return false;
  }
}

const KIND_NAMES: Readonly<Record<ParamKind, string>> = {
  any: 'a value',
  text: 'text',
  number: 'a number',
  boolean: 'a condition (true or false)',
  list: 'a list',
  regex: 'a regular expression literal (/pattern/ or "pattern")',
  textOrRegex: 'text or a /pattern/',
  table: 'a table literal {key: value, ...}',
  optionList: 'the name of an option list in quotes',
  matchMode: `"caseInsensitive" or "exact"`,
  dateFormat: 'a date format in quotes',
  template: 'a template text in quotes',
};

const TYPE_NAMES: Readonly<Record<StaticType, string>> = {
  string: 'text',
  number: 'a number',
  boolean: 'a boolean',
  list: 'a list',
  table: 'a table',
  regex: 'a regular expression',
  null: 'null',
  any: 'a value',
};

/** One type for values that may be any of `types`: their common type, else `any`. */
function unionType(types: readonly StaticType[]): StaticType {
  const known = types.filter((type) => type !== 'null');
  if (known.length === 0) return types.length > 0 ? 'null' : 'any';
  return known.every((type) => type === known[0]) ? known[0] : 'any';
}

class ExpressionChecker {
  constructor(
    private readonly environment: CheckEnvironment,
    private readonly issues: CheckIssue[],
  ) {}

  check(node: ExpressionNode): { node: ExpressionNode; type: StaticType } {
    switch (node.kind) {
      case 'literal':
        return { node, type: literalType(node) };
      case 'regex':
        this.error(node, 'a regular expression can only be given to regexReplace, regexExtract, regexMatch, memberOf or groupsMatching');
        return { node, type: 'regex' };
      case 'source':
        return { node, type: 'any' };
      case 'value':
        if (this.environment.valueType === undefined) {
          this.error(node, "'value' means the value flowing through a pipe; in a rule's own expr read the source with src.<attribute>");
          return { node, type: 'any' };
        }
        return { node, type: this.environment.valueType };
      case 'list': {
        const items = node.items.map((item) => this.check(item).node);
        return { node: { ...node, items }, type: 'list' };
      }
      case 'table': {
        const entries = node.entries.map((entry) => ({ key: entry.key, value: this.check(entry.value).node }));
        return { node: { ...node, entries }, type: 'table' };
      }
      case 'not': {
        const operand = this.checkCondition(node.operand, "'not'");
        return { node: { ...node, operand }, type: 'boolean' };
      }
      case 'logical': {
        const left = this.checkCondition(node.left, `'${node.operator}'`);
        const right = this.checkCondition(node.right, `'${node.operator}'`);
        return { node: { ...node, left, right }, type: 'boolean' };
      }
      case 'compare': {
        const left = this.check(node.left);
        const right = this.check(node.right);
        const ordering = node.operator !== '==' && node.operator !== '!=';
        for (const side of [left, right]) {
          if (side.type === 'table') this.error(side.node, `'${node.operator}' cannot compare a table`);
          if (ordering && (side.type === 'boolean' || side.type === 'list')) {
            this.error(side.node, `'${node.operator}' orders numbers or text, not ${TYPE_NAMES[side.type]}`);
          }
        }
        return { node: { ...node, left: left.node, right: right.node }, type: 'boolean' };
      }
      case 'call':
        return this.checkCall(node);
    }
  }

  private checkCondition(node: ExpressionNode, operator: string): ExpressionNode {
    const checked = this.check(node);
    if (!accepts('boolean', checked.type)) {
      this.error(node, `${operator} needs a condition (true or false), got ${TYPE_NAMES[checked.type]}; compare with == or use isPresent(...)`);
    }
    return checked.node;
  }

  private checkCall(node: Extract<ExpressionNode, { kind: 'call' }>): { node: ExpressionNode; type: StaticType } {
    const spec = findFunction(node.name);
    if (spec === undefined) {
      const suggestion = suggestFunction(node.name);
      this.error(node, `unknown function '${node.name}'${suggestion === undefined ? '' : `; did you mean '${suggestion}'?`}`);
      node.args.forEach((arg) => this.check(arg));
      return { node, type: 'any' };
    }
    this.checkArity(node, spec);
    if (spec.name === 'map' && node.args.length === 2) {
      this.issues.push({ severity: 'warning', message: 'map has no default: values missing from the table become null', offset: node.start });
    }
    const checked = node.args.map((arg, index) => this.checkArgument(spec, paramAt(spec, index), arg, node.args));
    const args = checked.map((entry) => entry.node);
    const types = checked.map((entry) => entry.type);
    return { node: { ...node, args }, type: this.resultType(spec, args, types) };
  }

  private checkArity(node: Extract<ExpressionNode, { kind: 'call' }>, spec: FunctionSpec): void {
    const required = spec.params.filter((param) => !param.optional).length;
    const maximum = spec.rest === undefined ? spec.params.length : Infinity;
    const count = node.args.length;
    const signature = `${spec.name}(${spec.params.map((param) => (param.optional ? `[${param.name}]` : param.name)).join(', ')}${spec.rest ? ', ...' : ''})`;
    if (count < required || count > maximum) {
      const expected = required === maximum ? `${required}` : maximum === Infinity ? `at least ${required}` : `${required} to ${maximum}`;
      const noun = required === 1 && (maximum === 1 || maximum === Infinity) ? 'argument' : 'arguments';
      this.error(node, `${spec.name} takes ${expected} ${noun}, got ${count}: ${signature}`);
      return;
    }
    const problem = spec.checkArity?.(count);
    if (problem !== undefined) this.error(node, `${spec.name} ${problem}`);
  }

  private checkArgument(
    spec: FunctionSpec,
    param: FunctionParam | undefined,
    arg: ExpressionNode,
    args: readonly ExpressionNode[],
  ): { node: ExpressionNode; type: StaticType } {
    if (param === undefined) return this.check(arg);
    const where = `${spec.name}: argument '${param.name}'`;
    switch (param.kind) {
      case 'regex':
        return this.checkRegexArgument(arg, where);
      case 'textOrRegex':
        return arg.kind === 'regex' ? { node: arg, type: 'regex' } : this.checkTyped(arg, 'text', where);
      case 'table':
        if (arg.kind !== 'table') this.error(arg, `${where} must be ${KIND_NAMES.table}`);
        return this.check(arg);
      case 'optionList':
        if (!this.isStringLiteral(arg)) this.error(arg, `${where} must be ${KIND_NAMES.optionList}`);
        else if (!this.environment.hasOptionList(arg.value)) this.error(arg, `${where}: there is no option list '${arg.value}'`);
        return this.check(arg);
      case 'matchMode':
        if (!this.isStringLiteral(arg) || !MATCH_MODES.includes(arg.value)) this.error(arg, `${where} must be ${KIND_NAMES.matchMode}`);
        return this.check(arg);
      case 'dateFormat': {
        if (!this.isStringLiteral(arg)) this.error(arg, `${where} must be ${KIND_NAMES.dateFormat}`);
        else {
          const problem = checkDateFormat(arg.value);
          if (problem !== undefined) this.error(arg, `${where}: ${problem}`);
        }
        return this.check(arg);
      }
      case 'template':
        if (!this.isStringLiteral(arg)) this.error(arg, `${where} must be ${KIND_NAMES.template}`);
        else this.checkTemplate(arg, args[1]);
        return this.check(arg);
      default:
        return this.checkTyped(arg, param.kind, where);
    }
  }

  private checkTyped(arg: ExpressionNode, kind: ParamKind, where: string): { node: ExpressionNode; type: StaticType } {
    const checked = this.check(arg);
    if (checked.type === 'regex') return checked;
    if (!accepts(kind, checked.type)) this.error(arg, `${where} must be ${KIND_NAMES[kind]}, got ${TYPE_NAMES[checked.type]}`);
    else if (kind === 'number' && arg.kind === 'literal' && typeof arg.value === 'string' && !/^\s*[+-]?\d+(\.\d+)?\s*$/.test(arg.value)) {
      this.error(arg, `${where} must be a number, got "${arg.value}"`);
    }
    return checked;
  }

  private checkRegexArgument(arg: ExpressionNode, where: string): { node: ExpressionNode; type: StaticType } {
    if (arg.kind === 'regex') return { node: arg, type: 'regex' };
    if (!this.isStringLiteral(arg)) {
      this.error(arg, `${where} must be ${KIND_NAMES.regex}; patterns are fixed so they can be checked before use`);
      return this.check(arg);
    }
    const compiled = compileSafeRegex(arg.value);
    if (!compiled.ok) {
      // Inside a quoted literal the pattern starts one character in (exact when it has no escapes).
      const offset = arg.start < 0 ? -1 : arg.start + 1 + compiled.offset;
      this.issues.push({ severity: 'error', message: `${where}: invalid regular expression: ${compiled.message}`, offset });
      return { node: arg, type: 'regex' };
    }
    return { node: { kind: 'regex', regex: compiled.regex, start: arg.start, end: arg.end }, type: 'regex' };
  }

  private checkTemplate(arg: Extract<ExpressionNode, { kind: 'literal' }> & { value: string }, values: ExpressionNode | undefined): void {
    const parts = splitTemplate(arg.value);
    if (!Array.isArray(parts)) {
      this.issues.push({ severity: 'error', message: `template: ${parts.error}`, offset: arg.start < 0 ? -1 : arg.start + 1 + parts.offset });
      return;
    }
    const keys = values?.kind === 'table' ? new Set(values.entries.map((entry) => entry.key.toLowerCase())) : undefined;
    for (const part of parts) {
      if (part.placeholder === undefined) continue;
      if (keys !== undefined) {
        if (!keys.has(part.placeholder.toLowerCase())) this.error(arg, `template: placeholder {${part.placeholder}} is not a key of the values table`);
        continue;
      }
      const reference = parseTemplatePlaceholder(part.placeholder, this.environment.schemaUrns);
      if (reference === 'value' && this.environment.valueType === undefined) {
        this.error(arg, "template: {value} means the value flowing through a pipe; in a rule's own expr use a source path");
      } else if (typeof reference === 'object' && 'error' in reference) {
        this.error(arg, `template: ${reference.error}`);
      }
    }
  }

  private resultType(spec: FunctionSpec, args: readonly ExpressionNode[], types: readonly StaticType[]): StaticType {
    if (spec.resultFrom !== undefined) {
      const passed = spec.resultFrom(args.length)
        .filter((index) => index < args.length)
        .flatMap((index) => {
          const arg = args[index];
          // A table that passes through (map) contributes the types of its entries.
          return arg.kind === 'table' ? arg.entries.map((entry) => literalType(entry.value)) : [types[index]];
        });
      const type = unionType(passed);
      return spec.elementwise && types[0] === 'list' ? 'list' : type;
    }
    if (spec.elementwise && types[0] === 'list') return 'list';
    return spec.returns;
  }

  private isStringLiteral(node: ExpressionNode): node is Extract<ExpressionNode, { kind: 'literal' }> & { value: string } {
    return node.kind === 'literal' && typeof node.value === 'string';
  }

  private error(node: ExpressionNode, message: string): void {
    this.issues.push({ severity: 'error', message, offset: node.start });
  }
}

/** The type of a table entry: known for literals, lists and tables, `any` for computed values. */
function literalType(node: ExpressionNode): StaticType {
  if (node.kind === 'literal') return node.value === null ? 'null' : (typeof node.value as 'string' | 'number' | 'boolean');
  if (node.kind === 'list' || node.kind === 'table') return node.kind;
  return 'any';
}

function paramAt(spec: FunctionSpec, index: number): FunctionParam | undefined {
  return index < spec.params.length ? spec.params[index] : spec.rest;
}
