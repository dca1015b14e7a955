/**
 * Runs a compiled mapping set over one user's full raw SCIM resource (after PATCH) and groups, and
 * returns the domain values to store, each with provenance, plus what the caller must record: option
 * values to add, group grants, errors, and a per-field explain trace.
 *
 * Semantics, in rule order:
 * 1. `apply` decides whether a rule runs (createOnly: on create; ifEmpty: while the stored value is empty).
 * 2. The rule computes a value: the first non-empty `from` path, or its `expr`, or its `fromGroups`
 *    matches; then its pipe. Failures (limits, a rejected option) become errors, never exceptions.
 * 3. An empty result follows `onNull`: keep (write nothing), clear (write null unless another rule
 *    writes a value), or default:<v>.
 * 4. The value is converted to the field's type; option values resolve through their list (which may
 *    add a value); enum values take the vocabulary's spelling; validators run.
 * 5. It combines with earlier rules' values for the field by `mode` (default: merge for multi-valued
 *    fields, replace otherwise).
 * Assignments then run against a snapshot of the mapped values (stored values for fields no rule
 * wrote) merged over the raw resource, so their order does not matter. Fields absent from `values`
 * are left as stored; a null value clears.
 *
 * Deterministic: the same inputs give the same result. Throws DomainError only for misuse.
 */
import { DomainError } from '../errors';
import { evaluateFilter } from '../filter/evaluate-filter';
import { coerceFieldValue, describeField, validateFieldValue, type DomainField } from './domain-schema';
import { costOf, evaluateExpression, StepBudget } from './evaluate-expression';
import type { ExpressionNode } from './expression-ast';
import { EvaluationFailure, MAX_REGEX_INPUT_LENGTH, type EvaluationScope, type MappingGroup } from './expression-functions';
import { foldForMatching, isEmptyValue, isTable, toMappingValue, type DomainValue, type MappingTable, type MappingValue } from './mapping-values';
import { resolveOption, type OptionList } from './option-list';
import { testSafeRegex } from './safe-regex';
import { readSourcePath } from './source-path';
import type {
  CombineMode,
  CompiledAssignment,
  CompiledGroupRule,
  CompiledMappingSet,
  CompiledNullPolicy,
  CompiledRule,
  CompiledValueRule,
  GroupMatcher,
} from './mapping-set';

/**
 * Evaluation budget of one rule (its from paths, expression, pipe, option and group matching). A step
 * measured 25-70 ns in the regex VM and at most ~300 ns in text and list functions (Node 20), so a
 * rule stops within ~6 ms at worst; the presets need 5-20 steps a rule.
 */
export const MAX_RULE_STEPS = 20_000;
/** Evaluation budget of one applyMapping call over all rules and assignments: ~30 ms at worst. */
export const MAX_MAPPING_STEPS = 100_000;

export interface MappingInput {
  /** The full raw SCIM resource as stored (after PATCH). */
  readonly raw: Readonly<Record<string, unknown>>;
  /** The user's current groups. */
  readonly groups: readonly MappingGroup[];
  /** The stored domain values, for apply: createOnly / ifEmpty and onNull: keep. */
  readonly current?: Readonly<Record<string, DomainValue>>;
  readonly isCreate: boolean;
}

export interface MappingContext {
  readonly optionLists: readonly OptionList[];
  readonly mappingVersion: number;
}

export interface ValueProvenance {
  /** The rule or assignment id. */
  readonly ruleId: string;
  readonly mappingVersion: number;
  /** The `from` path that supplied the value, the paths an expression read, `groups`, or the assignment's condition. */
  readonly sourcePath: string | null;
  readonly rawValue: MappingValue;
}

export interface MappedValue {
  readonly value: DomainValue;
  /** The rule that decided the value (for a list: the first element's). */
  readonly provenance: ValueProvenance;
  /** For multi-valued fields: the provenance of each element, in order. */
  readonly elementProvenance?: readonly ValueProvenance[];
}

export interface OptionAddition {
  readonly list: string;
  readonly value: string;
  readonly ruleId: string;
  readonly field: string;
}

export interface MappingError {
  /** The field the problem concerns ('' for an assignment that grants only groups). */
  readonly field: string;
  readonly ruleId: string | null;
  readonly message: string;
}

export interface GroupGrant {
  /** The name of the hub group to grant. */
  readonly group: string;
  readonly ruleId: string;
}

export interface TraceStep {
  readonly ruleId: string;
  readonly step: string;
  readonly value: MappingValue;
}

export interface MappingResult {
  /** Fields to write; a field that is absent keeps its stored value, a null value clears it. */
  readonly values: Readonly<Record<string, MappedValue>>;
  readonly optionAdditions: readonly OptionAddition[];
  readonly errors: readonly MappingError[];
  readonly groupGrants: readonly GroupGrant[];
  readonly trace: Readonly<Record<string, readonly TraceStep[]>>;
  /** Evaluation steps used, out of MAX_MAPPING_STEPS. */
  readonly stepsUsed: number;
}

type Scalar = string | number | boolean;

interface Candidate {
  readonly value: Scalar;
  readonly priority: number;
  readonly order: number;
  readonly provenance: ValueProvenance;
}

/** An option resolution as traced: the outcome and the value written (null under keepNull or on rejection). */
interface ResolvedOption {
  readonly kind: 'matched' | 'added' | 'mapped' | 'keepNull' | 'rejected';
  readonly value: string | null;
  readonly message?: string;
}

interface FieldState {
  candidates: Candidate[];
  cleared?: ValueProvenance;
}

/** What a rule or assignment writes, with how it combines. */
interface Writer {
  readonly id: string;
  readonly field: DomainField;
  readonly mode?: CombineMode;
  readonly priority?: number;
  readonly onNull: CompiledNullPolicy;
}

export function applyMapping(compiled: CompiledMappingSet, input: MappingInput, context: MappingContext): MappingResult {
  checkArguments(compiled, input, context);
  return new MappingEvaluation(compiled, input, context).run();
}

function checkArguments(compiled: CompiledMappingSet, input: MappingInput, context: MappingContext): void {
  if (!Array.isArray(compiled?.rules) || !Array.isArray(compiled?.assignments) || compiled.schema === undefined) {
    throw new DomainError('INVALID_INPUT', 'applyMapping needs a mapping set from compileMappingSet');
  }
  if (!isTable(input?.raw)) throw new DomainError('INVALID_INPUT', 'applyMapping: input.raw must be the SCIM resource object');
  if (!Array.isArray(input.groups)) throw new DomainError('INVALID_INPUT', 'applyMapping: input.groups must be a list');
  if (!Array.isArray(context?.optionLists) || !Number.isFinite(context.mappingVersion)) {
    throw new DomainError('INVALID_INPUT', 'applyMapping: context needs optionLists and a numeric mappingVersion');
  }
}

/** The user's groups indexed the three ways group rules look them up. */
interface GroupIndex {
  readonly byId: ReadonlyMap<string, MappingGroup>;
  readonly byExternalId: ReadonlyMap<string, MappingGroup>;
  readonly byName: ReadonlyMap<string, MappingGroup>;
}

class MappingEvaluation {
  private readonly raw: MappingTable;
  private readonly fields = new Map<string, FieldState>();
  private readonly trace: Record<string, TraceStep[]> = {};
  private readonly errors: MappingError[] = [];
  private readonly additions: OptionAddition[] = [];
  private readonly grants: GroupGrant[] = [];
  private groupIndex?: GroupIndex;
  private stepsUsed = 0;
  private order = 0;

  constructor(
    private readonly compiled: CompiledMappingSet,
    private readonly input: MappingInput,
    private readonly context: MappingContext,
  ) {
    this.raw = toMappingValue(input.raw) as MappingTable;
  }

  /** Built on first use: most mappings have no group rule, and users can be in thousands of groups. */
  private groups(): GroupIndex {
    this.groupIndex ??= {
      byId: new Map(this.input.groups.map((group) => [group.id, group])),
      byExternalId: new Map(this.input.groups.filter((group) => group.externalId !== null).map((group) => [group.externalId as string, group])),
      byName: new Map(this.input.groups.map((group) => [foldForMatching(group.displayName), group])),
    };
    return this.groupIndex;
  }

  run(): MappingResult {
    for (const rule of this.compiled.rules) this.applyRule(rule);
    this.applyAssignments();
    return {
      values: this.collectValues(),
      optionAdditions: this.additions,
      errors: this.errors,
      groupGrants: this.grants,
      trace: this.trace,
      stepsUsed: this.stepsUsed,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Rules

  private applyRule(rule: CompiledRule): void {
    const skip = this.skipReason(rule);
    if (skip !== undefined) {
      this.record(rule.field, rule.id, `skipped: ${skip}`, null);
      return;
    }
    const budget = new StepBudget(Math.max(Math.min(MAX_RULE_STEPS, MAX_MAPPING_STEPS - this.stepsUsed), 0));
    try {
      if (rule.kind === 'value') this.applyValueRule(rule, budget);
      else this.applyGroupRule(rule, budget);
    } catch (error) {
      if (!(error instanceof EvaluationFailure)) throw error;
      this.fail(rule.field, rule.id, `Rule '${rule.id}' could not compute field '${rule.field.key}': ${error.message}`);
    } finally {
      this.stepsUsed += budget.spent;
    }
  }

  private skipReason(rule: CompiledRule): string | undefined {
    if (rule.apply === 'createOnly' && !this.input.isCreate) return 'apply createOnly, and this is an update';
    if (rule.apply === 'ifEmpty' && !isEmptyValue(this.input.current?.[rule.field.key] ?? null)) return 'apply ifEmpty, and the field has a value';
    return undefined;
  }

  private applyValueRule(rule: CompiledValueRule, budget: StepBudget): void {
    let value: MappingValue = null;
    let sourcePath: string | null = null;
    let rawValue: MappingValue = null;
    const scope = this.scope(rule, budget, null);
    if (rule.expression !== undefined) {
      value = evaluateIn('expr', rule.expression.root, scope);
      const paths = [...new Set(rule.expression.sources.map((source) => source.text))];
      sourcePath = paths.length === 0 ? null : paths.join(', ');
      rawValue = paths.length === 1 ? readSourcePath(this.raw, rule.expression.sources[0].segments) : Object.fromEntries(
        rule.expression.sources.map((source) => [source.text, readSourcePath(this.raw, source.segments)]),
      );
      budget.charge(costOf(rawValue));
      this.record(rule.field, rule.id, 'expr', value);
    } else {
      for (const source of rule.sources) {
        const candidate = readSourcePath(this.raw, source.segments);
        budget.charge(costOf(candidate));
        if (!isEmptyValue(candidate)) {
          value = candidate;
          sourcePath = source.text;
          rawValue = candidate;
          break;
        }
      }
      const tried = rule.sources.map((source) => source.text).join(', ');
      this.record(rule.field, rule.id, sourcePath === null ? `from: none of ${tried} has a value` : `from ${sourcePath}`, value);
    }
    for (const [index, step] of rule.steps.entries()) {
      value = evaluateIn(`pipe step ${index + 1} (${step.label})`, step.root, { ...scope, value });
      this.record(rule.field, rule.id, step.label, value);
    }
    this.contribute(rule, value, { ruleId: rule.id, mappingVersion: this.context.mappingVersion, sourcePath, rawValue }, budget);
  }

  private applyGroupRule(rule: CompiledGroupRule, budget: StepBudget): void {
    const candidates: Candidate[] = [];
    for (const entry of rule.entries) {
      const matched = this.matchGroups(entry.matcher, budget);
      if (matched.length === 0) continue;
      const names = matched.map((group) => group.displayName);
      const provenance: ValueProvenance = { ruleId: rule.id, mappingVersion: this.context.mappingVersion, sourcePath: 'groups', rawValue: names };
      const priority = entry.priority ?? rule.priority ?? Infinity;
      const resolved = this.finalize(rule, entry.value, budget);
      this.record(rule.field, rule.id, `group ${describeMatcher(entry.matcher)} (${names.join(', ')})${entry.priority === undefined ? '' : ` priority ${entry.priority}`}`, resolved ?? null);
      if (resolved === undefined) return;
      for (const value of resolved) candidates.push({ value, priority, order: this.order++, provenance });
    }
    if (candidates.length === 0) {
      this.record(rule.field, rule.id, 'fromGroups: no group matches', null);
      this.applyNullPolicy(rule, { ruleId: rule.id, mappingVersion: this.context.mappingVersion, sourcePath: 'groups', rawValue: [] }, budget);
      return;
    }
    this.combine(rule, candidates);
  }

  private matchGroups(matcher: GroupMatcher, budget: StepBudget): MappingGroup[] {
    budget.charge(1);
    switch (matcher.by) {
      case 'id':
        return optional(this.groups().byId.get(matcher.value));
      case 'externalId':
        return optional(this.groups().byExternalId.get(matcher.value));
      case 'name':
        return optional(this.groups().byName.get(foldForMatching(matcher.value)));
      case 'namePattern':
        return this.input.groups.filter(
          (group) => group.displayName.length <= MAX_REGEX_INPUT_LENGTH && testSafeRegex(matcher.regex, group.displayName, budget),
        );
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Assignments

  /** Assignments share one rule budget: each costs its condition's length and its grants. */
  private applyAssignments(): void {
    if (this.compiled.assignments.length === 0) return;
    const target = this.conditionTarget();
    const budget = new StepBudget(Math.max(Math.min(MAX_RULE_STEPS, MAX_MAPPING_STEPS - this.stepsUsed), 0));
    for (const assignment of this.compiled.assignments) {
      try {
        this.applyAssignment(assignment, target, budget);
      } catch (error) {
        if (!(error instanceof EvaluationFailure)) throw error;
        const field = assignment.set[0]?.field.key ?? '';
        this.errors.push({ field, ruleId: assignment.id, message: `Assignment '${assignment.id}' could not be evaluated: ${error.message}` });
      }
    }
    this.stepsUsed += budget.spent;
  }

  private applyAssignment(assignment: CompiledAssignment, target: MappingTable, budget: StepBudget): void {
    budget.charge(costOf(assignment.conditionText));
    const holds = evaluateFilter(assignment.condition, target);
    for (const { field } of assignment.set) this.record(field, assignment.id, `when ${assignment.conditionText}`, holds);
    if (!holds) return;
    for (const group of assignment.groups) {
      if (!this.grants.some((grant) => foldForMatching(grant.group) === foldForMatching(group))) this.grants.push({ group, ruleId: assignment.id });
    }
    const provenance: ValueProvenance = {
      ruleId: assignment.id,
      mappingVersion: this.context.mappingVersion,
      sourcePath: assignment.conditionText,
      rawValue: null,
    };
    for (const { field, value } of assignment.set) {
      const writer: Writer = {
        id: assignment.id,
        field,
        onNull: { kind: 'keep' },
        ...(assignment.mode === undefined ? {} : { mode: assignment.mode }),
        ...(assignment.priority === undefined ? {} : { priority: assignment.priority }),
      };
      this.contribute(writer, value as MappingValue, provenance, budget);
    }
  }

  /**
   * What assignment conditions see: the raw resource, the domain values that have one (mapped now,
   * else stored) in place of raw attributes of the same name, and the groups.
   */
  private conditionTarget(): MappingTable {
    const target: Record<string, MappingValue> = { ...this.raw };
    for (const field of this.compiled.schema.fields) {
      const state = this.fields.get(field.key);
      const value = state === undefined ? (this.input.current?.[field.key] ?? null) : stateValue(field, state);
      if (isEmptyValue(value)) continue;
      for (const key of Object.keys(target)) if (key.toLowerCase() === field.key.toLowerCase()) delete target[key];
      target[field.key] = value as MappingValue;
    }
    target.groups = this.input.groups.map((group) => ({ value: group.id, display: group.displayName, externalId: group.externalId }));
    return target;
  }

  // ---------------------------------------------------------------------------------------------
  // Writing values

  private contribute(writer: Writer, value: MappingValue, provenance: ValueProvenance, budget: StepBudget): void {
    if (isEmptyValue(value)) {
      this.applyNullPolicy(writer, provenance, budget);
      return;
    }
    const resolved = this.finalize(writer, value, budget);
    if (resolved === undefined) return;
    if (resolved.length === 0) {
      this.applyNullPolicy(writer, provenance, budget);
      return;
    }
    const priority = writer.priority ?? Infinity;
    this.combine(writer, resolved.map((element) => ({ value: element, priority, order: this.order++, provenance })));
  }

  private applyNullPolicy(writer: Writer, provenance: ValueProvenance, budget: StepBudget): void {
    const policy = writer.onNull;
    if (policy.kind === 'keep') {
      this.record(writer.field, writer.id, 'onNull keep: the stored value stays', null);
      return;
    }
    if (policy.kind === 'clear') {
      const state = this.stateOf(writer.field);
      if (state.candidates.length === 0 && state.cleared === undefined) state.cleared = provenance;
      this.record(writer.field, writer.id, 'onNull clear', null);
      return;
    }
    this.record(writer.field, writer.id, 'onNull default', policy.value as MappingValue);
    const resolved = this.finalize(writer, policy.value as MappingValue, budget);
    if (resolved === undefined || resolved.length === 0) return;
    const defaulted = { ...provenance, rawValue: null };
    this.combine(writer, resolved.map((element) => ({ value: element, priority: writer.priority ?? Infinity, order: this.order++, provenance: defaulted })));
  }

  /**
   * Converts a produced value to the field: type conversion, option resolution (recording additions),
   * validators. Returns the scalar elements, or undefined after recording an error.
   */
  private finalize(writer: Writer, value: MappingValue, budget: StepBudget): Scalar[] | undefined {
    const { field } = writer;
    const coerced = coerceFieldValue(field, value);
    if (!coerced.ok) {
      this.fail(field, writer.id, `${coerced.message} (rule '${writer.id}')`);
      return undefined;
    }
    let elements: Scalar[] = coerced.value === null ? [] : Array.isArray(coerced.value) ? [...coerced.value] : [coerced.value as Scalar];
    if (field.type === 'option') {
      const resolved: Scalar[] = [];
      for (const element of elements) {
        budget.charge(1);
        const option = this.resolveOptionValue(field.optionList ?? '', String(element), writer.id, field);
        if (option.kind === 'rejected') {
          this.fail(field, writer.id, `${describeField(field)}: ${option.message} (rule '${writer.id}')`);
          return undefined;
        }
        this.record(field, writer.id, `optionList ${field.optionList} (${option.kind})`, option.value);
        if (option.value !== null && !resolved.includes(option.value)) resolved.push(option.value);
      }
      elements = resolved;
    }
    if (elements.length === 0) return [];
    const problem = validateFieldValue(field, field.multiValued ? elements : elements[0]);
    if (problem !== undefined) {
      this.fail(field, writer.id, `${problem} (rule '${writer.id}')`);
      return undefined;
    }
    return elements;
  }

  private combine(writer: Writer, incoming: Candidate[]): void {
    const { field } = writer;
    const state = this.stateOf(field);
    const mode = writer.mode ?? (field.multiValued ? 'merge' : 'replace');
    let next: Candidate[];
    if (mode === 'merge') next = unionCandidates(state.candidates, incoming);
    else if (mode === 'highestPriority') next = [bestCandidate([...state.candidates, ...incoming])];
    else next = field.multiValued ? unionCandidates([], incoming) : [bestCandidate(incoming)];
    state.candidates = next;
    state.cleared = undefined;
    this.record(field, writer.id, `combine ${mode}`, stateValue(field, state) as MappingValue);
  }

  private resolveOptionValue(listKey: string, text: string, ruleId: string, field: DomainField): ResolvedOption {
    const list = this.context.optionLists.find((candidate) => candidate.key === listKey);
    if (list === undefined) return { kind: 'rejected', value: null, message: `option list '${listKey}' does not exist` };
    const pending = this.additions.filter((addition) => addition.list === listKey).map((addition) => addition.value);
    const resolution = resolveOption(list, text, pending);
    switch (resolution.kind) {
      case 'rejected':
        return { kind: 'rejected', value: null, message: resolution.message };
      case 'nulled':
        return { kind: 'keepNull', value: null };
      case 'added':
        this.additions.push({ list: listKey, value: resolution.value, ruleId, field: field.key });
        return { kind: 'added', value: resolution.value };
      default:
        return { kind: resolution.kind, value: resolution.value };
    }
  }

  private scope(rule: CompiledValueRule, budget: StepBudget, value: MappingValue): EvaluationScope {
    return {
      raw: this.raw,
      value,
      groups: this.input.groups,
      schemaUrns: this.compiled.schemaUrns,
      meter: budget,
      resolveOption: (listKey, text) => {
        const option = this.resolveOptionValue(listKey, text, rule.id, rule.field);
        if (option.kind === 'rejected') throw new EvaluationFailure(option.message ?? `"${text}" is not in option list '${listKey}'`);
        return option.value;
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Result

  private collectValues(): Record<string, MappedValue> {
    const values: Record<string, MappedValue> = {};
    const failed = new Set(this.errors.map((error) => error.field));
    for (const field of this.compiled.schema.fields) {
      const state = this.fields.get(field.key);
      if (state === undefined || failed.has(field.key)) continue;
      if (state.candidates.length > 0) {
        const value = stateValue(field, state);
        const problem = validateFieldValue(field, value);
        if (problem !== undefined) {
          this.fail(field, state.candidates[0].provenance.ruleId, problem);
          continue;
        }
        values[field.key] = {
          value,
          provenance: state.candidates[0].provenance,
          ...(field.multiValued ? { elementProvenance: state.candidates.map((candidate) => candidate.provenance) } : {}),
        };
      } else if (state.cleared !== undefined) {
        values[field.key] = { value: field.multiValued ? [] : null, provenance: state.cleared, ...(field.multiValued ? { elementProvenance: [] } : {}) };
      }
    }
    this.checkRequired(values);
    return values;
  }

  private checkRequired(values: Record<string, MappedValue>): void {
    for (const field of this.compiled.schema.fields) {
      if (!field.required || this.errors.some((error) => error.field === field.key)) continue;
      const written = values[field.key];
      const final = written === undefined ? (this.input.current?.[field.key] ?? null) : written.value;
      if (!isEmptyValue(final)) continue;
      const writers = this.compiled.rules.filter((rule) => rule.field.key === field.key).map((rule) => rule.id);
      const why = writers.length === 0 ? 'no rule writes it' : `rule${writers.length > 1 ? 's' : ''} ${writers.map((id) => `'${id}'`).join(', ')} produced no value`;
      this.errors.push({ field: field.key, ruleId: writers.at(-1) ?? null, message: `Field '${field.key}' is required, but ${why}` });
      delete values[field.key];
    }
  }

  private stateOf(field: DomainField): FieldState {
    let state = this.fields.get(field.key);
    if (state === undefined) {
      state = { candidates: [] };
      this.fields.set(field.key, state);
    }
    return state;
  }

  private record(field: DomainField, ruleId: string, step: string, value: MappingValue): void {
    (this.trace[field.key] ??= []).push({ ruleId, step, value });
  }

  private fail(field: DomainField, ruleId: string, message: string): void {
    this.errors.push({ field: field.key, ruleId, message });
    this.record(field, ruleId, 'error', message);
  }
}

/** Evaluates one phase of a rule; a failure says which phase, and where in its expression. */
function evaluateIn(phase: string, root: ExpressionNode, scope: EvaluationScope): MappingValue {
  try {
    return evaluateExpression(root, scope);
  } catch (error) {
    if (!(error instanceof EvaluationFailure)) throw error;
    const at = error.offset !== undefined && error.offset >= 0 ? ` (at offset ${error.offset})` : '';
    throw new EvaluationFailure(`${phase}: ${error.message}${at}`, -1);
  }
}

function optional<T>(value: T | undefined): T[] {
  return value === undefined ? [] : [value];
}

function describeMatcher(matcher: GroupMatcher): string {
  return matcher.by === 'namePattern' ? `namePattern /${matcher.source}/i` : `${matcher.by} "${matcher.value}"`;
}

function stateValue(field: DomainField, state: FieldState): DomainValue {
  if (state.candidates.length === 0) return field.multiValued ? [] : null;
  return field.multiValued ? state.candidates.map((candidate) => candidate.value) : state.candidates[0].value;
}

function sameScalar(left: Scalar, right: Scalar): boolean {
  return typeof left === 'string' && typeof right === 'string' ? foldForMatching(left) === foldForMatching(right) : left === right;
}

function unionCandidates(existing: readonly Candidate[], incoming: readonly Candidate[]): Candidate[] {
  const result = [...existing];
  for (const candidate of incoming) if (!result.some((kept) => sameScalar(kept.value, candidate.value))) result.push(candidate);
  return result;
}

/** The candidate with the lowest priority number; the earliest among equals. */
function bestCandidate(candidates: readonly Candidate[]): Candidate {
  return candidates.reduce((best, candidate) =>
    candidate.priority < best.priority || (candidate.priority === best.priority && candidate.order < best.order) ? candidate : best,
  );
}
