/**
 * Compiles a mapping set definition against the tenant's domain schema and option lists, running
 * every static check of mapping.md "Validating a mapping before activation" that needs no stored
 * data: the definition's shape (unknown keys are typos, not ignored), expressions parsed and
 * type-checked with positions, source paths parsed (unknown SCIM attributes warned about), targets
 * present and of a fitting type, map tables with a default (or a warning), literal results in the
 * target's vocabulary, group matchers and assignment filters valid, and no two rules writing one
 * single-valued field without an explicit mode.
 */
import { DomainError } from '../errors';
import type { FilterNode } from '../filter/filter-ast';
import { parseFilter } from '../filter/filter-parser';
import type { Dialect } from '../tenants/tenant';
import { checkExpression, type CheckIssue } from './check-expression';
import { coerceFieldValue, describeField, findField, type DomainField, type DomainSchema } from './domain-schema';
import { issueAt, type ExpressionNode, type LiteralValue, type StaticType } from './expression-ast';
import { findFunction, suggestFunction } from './expression-functions';
import { parseExpression } from './expression-parser';
import { closestName, foldForMatching, type DomainValue } from './mapping-values';
import { resolveOption, type OptionList } from './option-list';
import { compileSafeRegex } from './safe-regex';
import { ENTERPRISE_USER_URN, describeUnknownSourcePath, parseSourcePath, type SourcePath } from './source-path';
import type {
  ApplyMode,
  CombineMode,
  CompileMappingResult,
  CompiledAssignment,
  CompiledGroupEntry,
  CompiledMappingSet,
  CompiledNullPolicy,
  CompiledRule,
  CompiledStep,
  DefinitionPath,
  GroupMatcher,
  MappingIssue,
  MappingSetDefinition,
} from './mapping-set';

/** Most rules in one mapping set. */
export const MAX_RULES = 200;
/** Most assignment rules in one mapping set. */
export const MAX_ASSIGNMENTS = 200;
/** Most steps in one rule's pipe. */
export const MAX_PIPE_STEPS = 20;
/** Most `from` paths in one rule. */
export const MAX_FROM_PATHS = 10;
/** Most entries in one rule's `fromGroups`. */
export const MAX_GROUP_ENTRIES = 500;

const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DIALECTS: readonly Dialect[] = ['entra', 'okta', 'onelogin', 'generic'];
const APPLY_MODES: readonly ApplyMode[] = ['always', 'createOnly', 'ifEmpty'];
const COMBINE_MODES: readonly CombineMode[] = ['replace', 'merge', 'highestPriority'];
const SET_KEYS = ['dialect', 'description', 'rules', 'assignments'];
const RULE_KEYS = ['id', 'target', 'from', 'expr', 'fromGroups', 'pipe', 'apply', 'onNull', 'mode', 'priority', 'description'];
const GROUP_ENTRY_KEYS = ['id', 'externalId', 'name', 'namePattern', 'value', 'priority'];
const GROUP_MATCHERS = ['id', 'externalId', 'name', 'namePattern'] as const;
const ASSIGNMENT_KEYS = ['id', 'when', 'groups', 'set', 'mode', 'priority', 'description'];
const MAP_STEP_KEYS = ['map', 'default', 'match'];
const DEFAULT_PREFIX = 'default:';

type Json = Record<string, unknown>;

interface RuleContext {
  readonly path: DefinitionPath;
  readonly ruleId?: string;
  readonly ruleIndex: number;
  readonly field?: string;
}

export function compileMappingSet(definition: MappingSetDefinition, schema: DomainSchema, optionLists: readonly OptionList[]): CompileMappingResult {
  const compiler = new MappingCompiler(schema, optionLists);
  const compiled = compiler.compile(definition);
  const errors = compiler.issues.filter((issue) => issue.severity === 'error');
  const warnings = compiler.issues.filter((issue) => issue.severity === 'warning');
  if (compiled === undefined || errors.length > 0) return { ok: false, errors, warnings };
  return { ok: true, mappingSet: compiled, warnings };
}

/** The expression functions whose result depends on the user's groups. */
const GROUP_FUNCTIONS: ReadonlySet<string> = new Set(['groups', 'memberof', 'groupsmatching']);

function expressionReadsGroups(node: ExpressionNode): boolean {
  switch (node.kind) {
    case 'call':
      return GROUP_FUNCTIONS.has(node.name.toLowerCase()) || node.args.some(expressionReadsGroups);
    case 'list':
      return node.items.some(expressionReadsGroups);
    case 'not':
      return expressionReadsGroups(node.operand);
    case 'logical':
    case 'compare':
      return expressionReadsGroups(node.left) || expressionReadsGroups(node.right);
    case 'table':
      return node.entries.some((entry) => expressionReadsGroups(entry.value));
    default:
      return false;
  }
}

function ruleReadsGroups(rule: CompiledRule): boolean {
  if (rule.kind === 'groups') return true;
  return (rule.expression !== undefined && expressionReadsGroups(rule.expression.root)) || rule.steps.some((step) => expressionReadsGroups(step.root));
}

/** Assignment conditions see the groups as the attribute `groups`. */
function filterReadsGroups(node: FilterNode): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return filterReadsGroups(node.left) || filterReadsGroups(node.right);
    case 'not':
      return filterReadsGroups(node.operand);
    default:
      return node.path.attribute.toLowerCase() === 'groups';
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean';
}

function didYouMean(name: string, candidates: readonly string[]): string {
  const suggestion = closestName(name, candidates);
  return suggestion === undefined ? '' : `; did you mean '${suggestion}'?`;
}

class MappingCompiler {
  readonly issues: MappingIssue[] = [];
  private readonly schemaUrns: readonly string[];

  constructor(
    private readonly schema: DomainSchema,
    private readonly optionLists: readonly OptionList[],
  ) {
    this.schemaUrns = [ENTERPRISE_USER_URN, schema.customSchemaUrn];
  }

  compile(definition: unknown): CompiledMappingSet | undefined {
    if (!isObject(definition)) {
      this.error({ path: [], ruleIndex: -1 }, [], 'a mapping set must be an object with a rules list');
      return undefined;
    }
    this.checkKeys(definition, SET_KEYS, { path: [], ruleIndex: -1 }, 'the mapping set');
    if (definition.dialect !== undefined && !DIALECTS.includes(definition.dialect as Dialect)) {
      this.error({ path: [], ruleIndex: -1 }, ['dialect'], `dialect must be one of ${DIALECTS.join(', ')}`);
    }
    if (definition.description !== undefined && typeof definition.description !== 'string') {
      this.error({ path: [], ruleIndex: -1 }, ['description'], 'description must be text');
    }
    const rules = definition.rules;
    if (!Array.isArray(rules)) {
      this.error({ path: [], ruleIndex: -1 }, ['rules'], 'rules must be a list');
      return undefined;
    }
    if (rules.length > MAX_RULES) this.error({ path: [], ruleIndex: -1 }, ['rules'], `a mapping set holds at most ${MAX_RULES} rules, this one has ${rules.length}`);
    const assignments = definition.assignments ?? [];
    if (!Array.isArray(assignments)) {
      this.error({ path: [], ruleIndex: -1 }, ['assignments'], 'assignments must be a list');
      return undefined;
    }
    if (assignments.length > MAX_ASSIGNMENTS) {
      this.error({ path: [], ruleIndex: -1 }, ['assignments'], `a mapping set holds at most ${MAX_ASSIGNMENTS} assignments, this one has ${assignments.length}`);
    }

    const ids = new Map<string, string>();
    const compiledRules = rules.flatMap((rule, index) => {
      const compiled = this.compileRule(rule, index, ids);
      return compiled === undefined ? [] : [compiled];
    });
    this.checkSharedTargets(compiledRules);
    const compiledAssignments = assignments.flatMap((assignment, index) => {
      const compiled = this.compileAssignment(assignment, index, ids);
      return compiled === undefined ? [] : [compiled];
    });
    return {
      definition: definition as unknown as MappingSetDefinition,
      schema: this.schema,
      schemaUrns: this.schemaUrns,
      rules: compiledRules,
      assignments: compiledAssignments,
      readsGroups: compiledRules.some(ruleReadsGroups) || compiledAssignments.some((assignment) => filterReadsGroups(assignment.condition)),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Rules

  private compileRule(rule: unknown, index: number, ids: Map<string, string>): CompiledRule | undefined {
    const base: RuleContext = { path: ['rules', index], ruleIndex: index };
    if (!isObject(rule)) {
      this.error(base, [], 'a rule must be an object with id, target and from, expr or fromGroups');
      return undefined;
    }
    const id = this.checkId(rule.id, base, ids);
    const context: RuleContext = { ...base, ruleId: id, field: typeof rule.target === 'string' ? rule.target : undefined };
    this.checkKeys(rule, RULE_KEYS, context, `rule '${id ?? index}'`);
    if (rule.description !== undefined && typeof rule.description !== 'string') this.error(context, ['description'], 'description must be text');
    const field = this.checkTarget(rule.target, context);
    const sourceKeys = ['from', 'expr', 'fromGroups'].filter((key) => rule[key] !== undefined);
    if (sourceKeys.length !== 1) {
      this.error(context, [], sourceKeys.length === 0 ? 'a rule needs one of from, expr or fromGroups' : `a rule takes only one of ${sourceKeys.join(', ')}`);
    }
    const apply = this.checkApply(rule.apply, context);
    const mode = this.checkMode(rule.mode, field, context);
    const priority = this.checkPriority(rule.priority, context, ['priority']);
    const onNull = field === undefined ? undefined : this.checkOnNull(rule.onNull, field, context);

    if (rule.fromGroups !== undefined) {
      if (rule.pipe !== undefined) this.error(context, ['pipe'], 'a fromGroups rule takes no pipe: its values are the ones its entries grant');
      const entries = field === undefined ? undefined : this.compileGroupEntries(rule.fromGroups, field, context);
      if (field === undefined || id === undefined || onNull === undefined || entries === undefined || sourceKeys.length !== 1) return undefined;
      return { kind: 'groups', id, index, field, apply, onNull, ...optionalMode(mode, priority), entries };
    }

    // The source and pipe are checked even when the target is wrong, so one pass reports every problem.
    let sources: SourcePath[] = [];
    let expression: { text: string; root: ExpressionNode; sources: readonly SourcePath[] } | undefined;
    let valueType: StaticType = 'any';
    if (rule.from !== undefined) sources = this.compileFrom(rule.from, context);
    else if (rule.expr !== undefined) {
      const compiled = this.compileExpression(rule.expr, context, ['expr'], undefined);
      if (compiled !== undefined) {
        expression = { text: compiled.text, root: compiled.root, sources: compiled.sources };
        valueType = compiled.type;
      }
    }
    const pipe = this.compilePipe(rule.pipe, context, valueType);
    if (field === undefined || id === undefined || onNull === undefined || sourceKeys.length !== 1) return undefined;
    if (pipe !== undefined) valueType = pipe.type;
    const resultAt = pipe?.steps.length ? ['pipe', pipe.steps.length - 1] : rule.expr !== undefined ? ['expr'] : ['from'];
    this.checkTypeFits(field, valueType, context, resultAt);
    const resultRoot = pipe?.steps.at(-1)?.root ?? expression?.root;
    if (resultRoot !== undefined) this.checkResultLiterals(resultRoot, field, context, resultAt);
    return { kind: 'value', id, index, field, apply, onNull, ...optionalMode(mode, priority), sources, ...(expression === undefined ? {} : { expression }), steps: pipe?.steps ?? [] };
  }

  private checkId(id: unknown, context: RuleContext, ids: Map<string, string>): string | undefined {
    if (typeof id !== 'string' || !RULE_ID.test(id)) {
      this.error(context, ['id'], 'id must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
      return undefined;
    }
    const previous = ids.get(id.toLowerCase());
    if (previous !== undefined) this.error({ ...context, ruleId: id }, ['id'], `id '${id}' is already used by ${previous}`);
    else ids.set(id.toLowerCase(), context.path.join('.').replace(/\.(\d+)/g, '[$1]'));
    return id;
  }

  private checkTarget(target: unknown, context: RuleContext): DomainField | undefined {
    if (typeof target !== 'string') {
      this.error(context, ['target'], 'target must name a field of the domain schema');
      return undefined;
    }
    const field = findField(this.schema, target);
    if (field === undefined) {
      const keys = this.schema.fields.map((candidate) => candidate.key);
      this.error(context, ['target'], `target '${target}' is not a field of the domain schema${didYouMean(target, keys)}`);
    }
    return field;
  }

  private checkApply(apply: unknown, context: RuleContext): ApplyMode {
    if (apply === undefined) return 'always';
    if (!APPLY_MODES.includes(apply as ApplyMode)) {
      this.error(context, ['apply'], `apply must be one of ${APPLY_MODES.join(', ')}`);
      return 'always';
    }
    return apply as ApplyMode;
  }

  private checkMode(mode: unknown, field: DomainField | undefined, context: RuleContext): CombineMode | undefined {
    if (mode === undefined) return undefined;
    if (!COMBINE_MODES.includes(mode as CombineMode)) {
      this.error(context, ['mode'], `mode must be one of ${COMBINE_MODES.join(', ')}`);
      return undefined;
    }
    if (mode === 'merge' && field !== undefined && !field.multiValued) {
      this.error(context, ['mode'], `mode merge needs a multi-valued field; '${field.key}' holds one value (use replace or highestPriority)`);
    }
    return mode as CombineMode;
  }

  private checkPriority(priority: unknown, context: RuleContext, at: DefinitionPath): number | undefined {
    if (priority === undefined) return undefined;
    if (typeof priority !== 'number' || !Number.isFinite(priority)) {
      this.error(context, at, 'priority must be a number (lower wins)');
      return undefined;
    }
    return priority;
  }

  private checkOnNull(onNull: unknown, field: DomainField, context: RuleContext): CompiledNullPolicy {
    if (onNull === undefined || onNull === 'clear') return { kind: 'clear' };
    if (onNull === 'keep') return { kind: 'keep' };
    if (typeof onNull === 'string' && onNull.startsWith(DEFAULT_PREFIX)) {
      const value = this.checkFieldLiteral(onNull.slice(DEFAULT_PREFIX.length).trim(), field, context, ['onNull']);
      return value === undefined ? { kind: 'clear' } : { kind: 'default', value };
    }
    this.error(context, ['onNull'], 'onNull must be keep, clear or default:<value>');
    return { kind: 'clear' };
  }

  private compileFrom(from: unknown, context: RuleContext): SourcePath[] {
    const texts = typeof from === 'string' ? [from] : Array.isArray(from) ? from : undefined;
    if (texts === undefined || texts.length === 0 || texts.length > MAX_FROM_PATHS) {
      this.error(context, ['from'], `from must be a source path or a list of 1 to ${MAX_FROM_PATHS} of them`);
      return [];
    }
    return texts.flatMap((text, index) => {
      const at = typeof from === 'string' ? ['from'] : ['from', index];
      if (typeof text !== 'string' || text.trim() === '') {
        this.error(context, at, 'a source path must be text such as userName or emails[type eq "work"].value');
        return [];
      }
      const parsed = parseSourcePath(text, this.schemaUrns);
      if (!parsed.ok) {
        this.error(context, at, parsed.message, issueAt(text, parsed.offset, ''));
        return [];
      }
      const unknown = describeUnknownSourcePath(parsed.path);
      if (unknown !== undefined) this.warning(context, at, `${unknown} (from ${parsed.path.text})`);
      return [parsed.path];
    });
  }

  private compileExpression(
    text: unknown,
    context: RuleContext,
    at: DefinitionPath,
    valueType: StaticType | undefined,
  ): { text: string; root: ExpressionNode; type: StaticType; sources: readonly SourcePath[] } | undefined {
    if (typeof text !== 'string') {
      this.error(context, at, 'expr must be text');
      return undefined;
    }
    const parsed = parseExpression(text, { schemaUrns: this.schemaUrns });
    if (!parsed.ok) {
      this.error(context, at, parsed.issue.message, parsed.issue);
      return undefined;
    }
    const checked = checkExpression(parsed.expression.root, this.environment(valueType));
    this.reportCheckIssues(checked.issues, context, at, text);
    if (checked.issues.some((issue) => issue.severity === 'error')) return undefined;
    return { text, root: checked.root, type: checked.type, sources: parsed.expression.sources };
  }

  private environment(valueType: StaticType | undefined) {
    const keys = new Set(this.optionLists.map((list) => list.key));
    return { schemaUrns: this.schemaUrns, hasOptionList: (key: string) => keys.has(key), ...(valueType === undefined ? {} : { valueType }) };
  }

  private reportCheckIssues(issues: readonly CheckIssue[], context: RuleContext, at: DefinitionPath, text: string | undefined): void {
    for (const issue of issues) {
      const position = text !== undefined && issue.offset >= 0 ? issueAt(text, issue.offset, '') : undefined;
      this.issues.push(this.issue(issue.severity, context, at, issue.message, position));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Pipes: each step becomes a call whose first argument is the flowing value

  private compilePipe(pipe: unknown, context: RuleContext, valueType: StaticType): { steps: CompiledStep[]; type: StaticType } | undefined {
    if (pipe === undefined) return undefined;
    if (!Array.isArray(pipe) || pipe.length > MAX_PIPE_STEPS) {
      this.error(context, ['pipe'], `pipe must be a list of at most ${MAX_PIPE_STEPS} steps`);
      return undefined;
    }
    const steps: CompiledStep[] = [];
    let type = valueType;
    pipe.forEach((step, index) => {
      const compiled = this.compileStep(step, context, ['pipe', index], type);
      if (compiled === undefined) {
        type = 'any';
        return;
      }
      steps.push(compiled.step);
      type = compiled.type;
    });
    return { steps, type };
  }

  private compileStep(step: unknown, context: RuleContext, at: DefinitionPath, valueType: StaticType): { step: CompiledStep; type: StaticType } | undefined {
    if (isObject(step) && step.expr !== undefined) {
      this.checkKeys(step, ['expr'], { ...context, path: [...context.path, ...at] }, 'an expr step');
      const compiled = this.compileExpression(step.expr, context, [...at, 'expr'], valueType);
      return compiled === undefined ? undefined : { step: { label: 'expr', root: compiled.root }, type: compiled.type };
    }
    const call = isObject(step) && step.map !== undefined ? this.mapStepCall(step, context, at) : this.transformCall(step, context, at);
    if (call === undefined) return undefined;
    const checked = checkExpression(call, this.environment(valueType));
    this.reportCheckIssues(checked.issues, context, at, undefined);
    if (checked.issues.some((issue) => issue.severity === 'error')) return undefined;
    return { step: { label: call.kind === 'call' ? call.name : 'step', root: checked.root }, type: checked.type };
  }

  /** `lower` or `{ left: 3 }` / `{ replace: [",", ";"] }`: a function applied to the flowing value. */
  private transformCall(step: unknown, context: RuleContext, at: DefinitionPath): ExpressionNode | undefined {
    let name: string;
    let argumentValues: unknown[];
    if (typeof step === 'string') {
      name = step;
      argumentValues = [];
    } else if (isObject(step) && Object.keys(step).length === 1) {
      name = Object.keys(step)[0];
      const raw = step[name];
      argumentValues = Array.isArray(raw) ? raw : raw === null ? [] : [raw];
    } else {
      this.error(context, at, 'a pipe step is a transform name (trim), one transform with its arguments ({ left: 3 }), a map step or { expr: "..." }');
      return undefined;
    }
    const spec = findFunction(name);
    if (spec === undefined) {
      const suggestion = suggestFunction(name);
      this.error(context, at, `unknown transform '${name}'${suggestion === undefined ? '' : `; did you mean '${suggestion}'?`}`);
      return undefined;
    }
    if (spec.pipe === 'never') {
      this.error(context, at, `${name} cannot be a pipe step; use it inside { expr: "..." }`);
      return undefined;
    }
    const args: ExpressionNode[] = [];
    for (const [index, argument] of argumentValues.entries()) {
      const node = this.literalNode(argument, context, typeof step === 'string' || !Array.isArray((step as Json)[name]) ? at : [...at, index]);
      if (node === undefined) return undefined;
      args.push(node);
    }
    const valueFirst = spec.pipe !== 'argumentsOnly';
    return synthetic({ kind: 'call', name, nameEnd: -1, args: valueFirst ? [synthetic({ kind: 'value' }), ...args] : args });
  }

  /** `{ map: {...}, default: X, match: exact }` -> map(value, {...}, X, "exact"). */
  private mapStepCall(step: Json, context: RuleContext, at: DefinitionPath): ExpressionNode | undefined {
    this.checkKeys(step, MAP_STEP_KEYS, { ...context, path: [...context.path, ...at] }, 'a map step');
    if (!isObject(step.map)) {
      this.error(context, [...at, 'map'], 'map must be a table of source value: result');
      return undefined;
    }
    const folded = new Map<string, string>();
    for (const key of Object.keys(step.map)) {
      const other = folded.get(foldForMatching(key));
      if (other !== undefined && step.match !== 'exact') {
        this.error(context, [...at, 'map', key], `map keys '${other}' and '${key}' are the same ignoring case and spacing`);
      }
      folded.set(foldForMatching(key), key);
    }
    const table = this.literalNode(step.map, context, [...at, 'map']);
    const fallback = step.default === undefined ? undefined : this.literalNode(step.default, context, [...at, 'default']);
    if (table === undefined || (step.default !== undefined && fallback === undefined)) return undefined;
    const args: ExpressionNode[] = [synthetic({ kind: 'value' }), table];
    if (fallback !== undefined || step.match !== undefined) args.push(fallback ?? synthetic({ kind: 'literal', value: null }));
    if (step.match !== undefined) {
      if (typeof step.match !== 'string') {
        this.error(context, [...at, 'match'], 'match must be caseInsensitive or exact');
        return undefined;
      }
      args.push(synthetic({ kind: 'literal', value: step.match }));
    }
    return synthetic({ kind: 'call', name: 'map', nameEnd: -1, args });
  }

  /** A YAML value as an expression literal: scalars, lists and tables of them. */
  private literalNode(value: unknown, context: RuleContext, at: DefinitionPath): ExpressionNode | undefined {
    if (value === null || isScalar(value)) return synthetic({ kind: 'literal', value: value as LiteralValue });
    if (Array.isArray(value)) {
      const items = value.map((item, index) => this.literalNode(item, context, [...at, index]));
      return items.every((item) => item !== undefined) ? synthetic({ kind: 'list', items: items as ExpressionNode[] }) : undefined;
    }
    if (isObject(value)) {
      const entries = Object.entries(value).map(([key, entry]) => ({ key, value: this.literalNode(entry, context, [...at, key]) }));
      return entries.every((entry) => entry.value !== undefined)
        ? synthetic({ kind: 'table', entries: entries as { key: string; value: ExpressionNode }[] })
        : undefined;
    }
    this.error(context, at, 'expected text, a number, true/false, null, a list or a table');
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Group rules

  private compileGroupEntries(entries: unknown, field: DomainField, context: RuleContext): CompiledGroupEntry[] | undefined {
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_GROUP_ENTRIES) {
      this.error(context, ['fromGroups'], `fromGroups must be a list of 1 to ${MAX_GROUP_ENTRIES} entries such as { name: App-Admins, value: Admin, priority: 1 }`);
      return undefined;
    }
    const compiled = entries.map((entry, index) => this.compileGroupEntry(entry, field, context, ['fromGroups', index]));
    return compiled.every((entry) => entry !== undefined) ? (compiled as CompiledGroupEntry[]) : undefined;
  }

  private compileGroupEntry(entry: unknown, field: DomainField, context: RuleContext, at: DefinitionPath): CompiledGroupEntry | undefined {
    if (!isObject(entry)) {
      this.error(context, at, 'a fromGroups entry is { name | id | externalId | namePattern: ..., value: ..., priority: n }');
      return undefined;
    }
    this.checkKeys(entry, GROUP_ENTRY_KEYS, { ...context, path: [...context.path, ...at] }, 'a fromGroups entry');
    const matchers = GROUP_MATCHERS.filter((key) => entry[key] !== undefined);
    if (matchers.length !== 1) {
      this.error(context, at, `a fromGroups entry matches by exactly one of ${GROUP_MATCHERS.join(', ')}`);
      return undefined;
    }
    const by = matchers[0];
    const text = entry[by];
    if (typeof text !== 'string' || text.trim() === '') {
      this.error(context, [...at, by], `${by} must be non-empty text`);
      return undefined;
    }
    let matcher: GroupMatcher;
    if (by === 'namePattern') {
      const compiled = compileSafeRegex(text, 'i');
      if (!compiled.ok) {
        this.error(context, [...at, by], `invalid regular expression: ${compiled.message}`, issueAt(text, compiled.offset, ''));
        return undefined;
      }
      matcher = { by, regex: compiled.regex, source: text };
    } else matcher = { by, value: text };
    if (entry.value === undefined) {
      this.error(context, at, 'a fromGroups entry needs the value it grants');
      return undefined;
    }
    const value = this.checkFieldLiteral(entry.value, field, context, [...at, 'value']);
    const priority = this.checkPriority(entry.priority, context, [...at, 'priority']);
    if (value === undefined) return undefined;
    return { matcher, value, ...(priority === undefined ? {} : { priority }) };
  }

  // ---------------------------------------------------------------------------------------------
  // Assignments

  private compileAssignment(assignment: unknown, index: number, ids: Map<string, string>): CompiledAssignment | undefined {
    const base: RuleContext = { path: ['assignments', index], ruleIndex: index };
    if (!isObject(assignment)) {
      this.error(base, [], 'an assignment is an object with id, when, and groups and/or set');
      return undefined;
    }
    const id = this.checkId(assignment.id, base, ids);
    const context: RuleContext = { ...base, ruleId: id };
    this.checkKeys(assignment, ASSIGNMENT_KEYS, context, `assignment '${id ?? index}'`);
    if (assignment.description !== undefined && typeof assignment.description !== 'string') this.error(context, ['description'], 'description must be text');
    const condition = this.compileCondition(assignment.when, context);
    const groups = this.compileGrantedGroups(assignment.groups, context);
    const set = this.compileGrantedValues(assignment.set, context);
    if (groups.length === 0 && (set === undefined || set.length === 0) && assignment.groups === undefined && assignment.set === undefined) {
      this.error(context, [], 'an assignment grants groups, field values (set), or both');
    }
    const mode = this.checkMode(assignment.mode, undefined, context);
    if (mode === 'merge') {
      for (const { field } of set ?? []) {
        if (!field.multiValued) this.error({ ...context, field: field.key }, ['mode'], `mode merge needs multi-valued fields; '${field.key}' holds one value`);
      }
    }
    const priority = this.checkPriority(assignment.priority, context, ['priority']);
    if (id === undefined || condition === undefined || set === undefined) return undefined;
    return {
      id,
      index,
      condition: condition.filter,
      conditionText: condition.text,
      groups,
      set,
      ...optionalMode(mode, priority),
    };
  }

  private compileCondition(when: unknown, context: RuleContext) {
    if (typeof when !== 'string' || when.trim() === '') {
      this.error(context, ['when'], 'when must be a SCIM filter such as department eq "Legal"');
      return undefined;
    }
    try {
      return { filter: parseFilter(when), text: when };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const position = /at position (\d+)/.exec(error.message);
      this.error(context, ['when'], error.message.replace(/ at position \d+/, ''), issueAt(when, position === null ? 0 : Number(position[1]), ''));
      return undefined;
    }
  }

  private compileGrantedGroups(groups: unknown, context: RuleContext): string[] {
    if (groups === undefined) return [];
    if (!Array.isArray(groups) || groups.some((group) => typeof group !== 'string' || group.trim() === '')) {
      this.error(context, ['groups'], 'groups must be a list of group names');
      return [];
    }
    return groups as string[];
  }

  private compileGrantedValues(set: unknown, context: RuleContext): { field: DomainField; value: DomainValue }[] | undefined {
    if (set === undefined) return [];
    if (!isObject(set)) {
      this.error(context, ['set'], 'set must be a table of field: value');
      return undefined;
    }
    const granted: { field: DomainField; value: DomainValue }[] = [];
    for (const [key, raw] of Object.entries(set)) {
      const field = findField(this.schema, key);
      if (field === undefined) {
        const keys = this.schema.fields.map((candidate) => candidate.key);
        this.error(context, ['set', key], `'${key}' is not a field of the domain schema${didYouMean(key, keys)}`);
        continue;
      }
      const value = this.checkFieldLiteral(raw, field, { ...context, field: key }, ['set', key]);
      if (value !== undefined) granted.push({ field, value });
    }
    return granted;
  }

  // ---------------------------------------------------------------------------------------------
  // Checks shared by rules and assignments

  /** A literal the mapping writes to `field` (a default, a group grant, an assignment value, a map result). */
  private checkFieldLiteral(raw: unknown, field: DomainField, context: RuleContext, at: DefinitionPath): DomainValue | undefined {
    const values = Array.isArray(raw) ? raw : [raw];
    if (!values.every(isScalar)) {
      this.error(context, at, `the value for '${field.key}' must be text, a number or true/false${field.multiValued ? ' (or a list of them)' : ''}`);
      return undefined;
    }
    const coerced = coerceFieldValue(field, values);
    if (!coerced.ok) {
      this.error(context, at, coerced.message);
      return undefined;
    }
    if (field.type === 'option') this.checkOptionLiterals(coerced.value, field, context, at);
    return coerced.value;
  }

  private checkOptionLiterals(value: DomainValue, field: DomainField, context: RuleContext, at: DefinitionPath): void {
    const list = this.optionLists.find((candidate) => candidate.key === field.optionList);
    if (list === undefined) return;
    for (const text of (Array.isArray(value) ? value : [value]).filter((element): element is string => typeof element === 'string')) {
      const resolution = resolveOption(list, text);
      if (resolution.kind === 'rejected') this.error(context, at, `${describeField(field)}: ${resolution.message}`);
      else if (resolution.kind === 'added') this.warning(context, at, `"${text}" is not in option list '${list.key}' yet; it is added when first written`);
      else if (resolution.kind === 'nulled') this.warning(context, at, `"${text}" is not in option list '${list.key}', whose policy keepNull writes nothing instead`);
      else if (resolution.kind === 'mapped') this.warning(context, at, `"${text}" is not in option list '${list.key}' and is written as "${resolution.value}"`);
    }
  }

  /** The literal results a rule's last step can produce (map tables, switch results, defaults) must suit the target. */
  private checkResultLiterals(root: ExpressionNode, field: DomainField, context: RuleContext, at: DefinitionPath): void {
    for (const literal of resultLiterals(root)) {
      if (literal === null) continue;
      const coerced = coerceFieldValue(field, literal);
      if (!coerced.ok) this.error(context, at, coerced.message);
      else if (field.type === 'option') this.checkOptionLiterals(coerced.value, field, context, at);
    }
  }

  private checkTypeFits(field: DomainField, type: StaticType, context: RuleContext, at: DefinitionPath): void {
    const fit = typeFit(field, type);
    if (fit === 'error') this.error(context, at, `the rule produces ${describeType(type)}, which field '${field.key}' (${field.type}) cannot hold`);
    else if (fit === 'warning') {
      this.warning(context, at, `the rule produces a list but field '${field.key}' holds one value; more than one value at run time is an error (use first(...))`);
    }
  }

  /** Several rules may write one field; for a single-valued field each after the first must say how (mode). */
  private checkSharedTargets(rules: readonly CompiledRule[]): void {
    const firstWriter = new Map<string, CompiledRule>();
    for (const rule of rules) {
      const first = firstWriter.get(rule.field.key);
      if (first === undefined) {
        firstWriter.set(rule.field.key, rule);
        continue;
      }
      if (!rule.field.multiValued && rule.mode === undefined) {
        this.error(
          { path: ['rules', rule.index], ruleId: rule.id, ruleIndex: rule.index, field: rule.field.key },
          ['mode'],
          `rules '${first.id}' and '${rule.id}' both write single-valued field '${rule.field.key}': give '${rule.id}' a mode (replace or highestPriority)`,
        );
      }
    }
  }

  private checkKeys(object: Json, allowed: readonly string[], context: RuleContext, what: string): void {
    for (const key of Object.keys(object)) {
      if (!allowed.includes(key)) this.issues.push(this.issue('error', { ...context, path: [] }, [...context.path, key], `unknown key '${key}' in ${what}${didYouMean(key, allowed)}`));
    }
  }

  private issue(
    severity: 'error' | 'warning',
    context: RuleContext,
    at: DefinitionPath,
    message: string,
    position?: { offset: number; line: number; column: number },
  ): MappingIssue {
    return {
      severity,
      message,
      path: [...context.path, ...at],
      ...(context.ruleId === undefined ? {} : { ruleId: context.ruleId }),
      ...(context.ruleIndex < 0 ? {} : { ruleIndex: context.ruleIndex }),
      ...(context.field === undefined ? {} : { field: context.field }),
      ...(position === undefined ? {} : { position: { offset: position.offset, line: position.line, column: position.column } }),
    };
  }

  private error(context: RuleContext, at: DefinitionPath, message: string, position?: { offset: number; line: number; column: number }): void {
    this.issues.push(this.issue('error', context, at, message, position));
  }

  private warning(context: RuleContext, at: DefinitionPath, message: string): void {
    this.issues.push(this.issue('warning', context, at, message));
  }
}

function optionalMode(mode: CombineMode | undefined, priority: number | undefined): { mode?: CombineMode; priority?: number } {
  return { ...(mode === undefined ? {} : { mode }), ...(priority === undefined ? {} : { priority }) };
}

function synthetic(node: DistributiveOmit<ExpressionNode, 'start' | 'end'>): ExpressionNode {
  return { ...node, start: -1, end: -1 } as ExpressionNode;
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

/** Literals that can be a node's result: through if/coalesce/default/switch/map results, and table entries of map. */
function resultLiterals(node: ExpressionNode): LiteralValue[] {
  if (node.kind === 'literal') return [node.value];
  if (node.kind === 'list') return node.items.flatMap(resultLiterals);
  if (node.kind !== 'call') return [];
  const spec = findFunction(node.name);
  if (spec?.resultFrom === undefined) return [];
  return spec.resultFrom(node.args.length).flatMap((index) => {
    const arg = node.args[index];
    if (arg === undefined) return [];
    return arg.kind === 'table' ? arg.entries.flatMap((entry) => resultLiterals(entry.value)) : resultLiterals(arg);
  });
}

function typeFit(field: DomainField, type: StaticType): 'ok' | 'warning' | 'error' {
  if (type === 'any' || type === 'null') return 'ok';
  if (type === 'table' || type === 'regex') return 'error';
  if (type === 'list') return field.multiValued ? 'ok' : 'warning';
  switch (field.type) {
    case 'text':
      return 'ok';
    case 'number':
      return type === 'boolean' ? 'error' : 'ok';
    case 'boolean':
      return type === 'boolean' || type === 'string' ? 'ok' : 'error';
    default:
      return type === 'string' || (type === 'number' && field.type !== 'date') ? 'ok' : 'error';
  }
}

function describeType(type: StaticType): string {
  return type === 'string' ? 'text' : type === 'boolean' ? 'true/false' : `a ${type}`;
}
