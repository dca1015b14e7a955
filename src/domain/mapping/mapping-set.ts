/**
 * A mapping set: the rules of one IdP connection, versioned by the caller. This definition is what
 * admins write (the YAML file shape, stored as JSON); compileMappingSet turns it into a
 * CompiledMappingSet, and applyMapping runs that.
 *
 * ```yaml
 * dialect: entra
 * rules:
 *   - id: email
 *     target: email
 *     from: userName                      # or a list: first non-empty wins
 *     pipe: [trim, lower]
 *   - id: role
 *     target: appRoles
 *     from: [userType, title]
 *     pipe: [trim, { map: { admin: Admin, user: Contributor }, default: Viewer }]
 *   - id: role-from-groups
 *     target: appRoles
 *     mode: highestPriority
 *     fromGroups:
 *       - { name: App-Admins, value: Admin, priority: 1 }
 *       - { namePattern: "^App-Mgr-", value: Manager, priority: 2 }
 *   - id: login
 *     target: displayName
 *     expr: join([src.name.givenName, src.name.familyName], " ")
 *     apply: createOnly                   # always | createOnly | ifEmpty
 *     onNull: keep                        # keep | clear | default:<value>
 * assignments:
 *   - id: legal
 *     when: department eq "Legal"         # SCIM filter over the mapped values and the raw resource
 *     groups: [legal]
 *     set: { appRoles: Manager, businessUnit: Legal }
 * ```
 */
import type { FilterNode } from '../filter/filter-ast';
import type { Dialect } from '../tenants/tenant';
import type { DomainField, DomainSchema } from './domain-schema';
import type { ExpressionNode } from './expression-ast';
import type { DomainValue } from './mapping-values';
import type { SafeRegex } from './safe-regex';
import type { SourcePath } from './source-path';

/** When a rule writes: on every evaluation, only when the user is created, or only while the field is empty. */
export type ApplyMode = 'always' | 'createOnly' | 'ifEmpty';

/** What an empty result does: leave the stored value, clear it, or write a default. */
export type NullPolicy = 'keep' | 'clear' | `default:${string}`;

/**
 * How a rule's values combine with those earlier rules produced for the same field: `replace` them,
 * `merge` (union; multi-valued fields), or keep the single `highestPriority` one (lowest number wins;
 * values without a priority rank after all that have one, earlier before later).
 */
export type CombineMode = 'replace' | 'merge' | 'highestPriority';

/** A named transform (`lower`) or a transform with arguments (`{ left: 3 }`, `{ map: {...}, default: X }`, `{ expr: "..." }`). */
export type PipeStep = string | { readonly [transform: string]: unknown };

/** One IdP group (by exactly one of id, externalId, name ignoring case, or a name pattern) and the value it grants. */
export interface GroupMatchEntry {
  readonly id?: string;
  readonly externalId?: string;
  readonly name?: string;
  /** A regular expression on the group's display name, matched ignoring case. */
  readonly namePattern?: string;
  readonly value: string | number | boolean;
  readonly priority?: number;
}

export interface MappingRuleDefinition {
  readonly id: string;
  readonly target: string;
  /** Source path(s) into the raw SCIM resource; the first non-empty one wins. */
  readonly from?: string | readonly string[];
  /** An expression computing the value (instead of `from`). */
  readonly expr?: string;
  /** Values from the user's IdP groups (instead of `from`). */
  readonly fromGroups?: readonly GroupMatchEntry[];
  readonly pipe?: readonly PipeStep[];
  readonly apply?: ApplyMode;
  readonly onNull?: NullPolicy;
  readonly mode?: CombineMode;
  readonly priority?: number;
  readonly description?: string;
}

/** A conditional grant: group memberships and field values for the users a SCIM filter matches. */
export interface AssignmentRuleDefinition {
  readonly id: string;
  readonly when: string;
  /** Names of the hub groups to grant. */
  readonly groups?: readonly string[];
  /** Field values to grant, by field key (a role is `appRoles`, an organisational unit `businessUnit`). */
  readonly set?: Readonly<Record<string, DomainValue>>;
  readonly mode?: CombineMode;
  readonly priority?: number;
  readonly description?: string;
}

export interface MappingSetDefinition {
  readonly dialect?: Dialect;
  readonly description?: string;
  readonly rules: readonly MappingRuleDefinition[];
  readonly assignments?: readonly AssignmentRuleDefinition[];
}

/** A location in a definition, e.g. `['rules', 2, 'pipe', 1]`. */
export type DefinitionPath = readonly (string | number)[];

export interface MappingIssue {
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly path: DefinitionPath;
  readonly ruleId?: string;
  /** Index in `rules` or `assignments` (the path says which). */
  readonly ruleIndex?: number;
  readonly field?: string;
  /** Inside an expression or filter text: offset and 1-based line and column. */
  readonly position?: { readonly offset: number; readonly line: number; readonly column: number };
}

export type CompileMappingResult =
  | { readonly ok: true; readonly mappingSet: CompiledMappingSet; readonly warnings: readonly MappingIssue[] }
  | { readonly ok: false; readonly errors: readonly MappingIssue[]; readonly warnings: readonly MappingIssue[] };

// -------------------------------------------------------------------------------------------------
// Compiled form (built by compileMappingSet; callers pass it to applyMapping and do not build it)

export type CompiledNullPolicy = { readonly kind: 'keep' } | { readonly kind: 'clear' } | { readonly kind: 'default'; readonly value: DomainValue };

export interface CompiledStep {
  /** How the trace names the step: the transform name, `expr`, or `map`. */
  readonly label: string;
  readonly root: ExpressionNode;
}

interface CompiledRuleBase {
  readonly id: string;
  readonly index: number;
  readonly field: DomainField;
  readonly apply: ApplyMode;
  readonly onNull: CompiledNullPolicy;
  readonly mode?: CombineMode;
  readonly priority?: number;
}

export interface CompiledValueRule extends CompiledRuleBase {
  readonly kind: 'value';
  /** `from` paths in order; empty for an `expr` rule. */
  readonly sources: readonly SourcePath[];
  readonly expression?: { readonly text: string; readonly root: ExpressionNode; readonly sources: readonly SourcePath[] };
  readonly steps: readonly CompiledStep[];
}

export type GroupMatcher =
  | { readonly by: 'id' | 'externalId'; readonly value: string }
  | { readonly by: 'name'; readonly value: string }
  | { readonly by: 'namePattern'; readonly regex: SafeRegex; readonly source: string };

export interface CompiledGroupEntry {
  readonly matcher: GroupMatcher;
  readonly value: DomainValue;
  readonly priority?: number;
}

export interface CompiledGroupRule extends CompiledRuleBase {
  readonly kind: 'groups';
  readonly entries: readonly CompiledGroupEntry[];
}

export type CompiledRule = CompiledValueRule | CompiledGroupRule;

export interface CompiledAssignment {
  readonly id: string;
  readonly index: number;
  readonly condition: FilterNode;
  readonly conditionText: string;
  readonly groups: readonly string[];
  readonly set: readonly { readonly field: DomainField; readonly value: DomainValue }[];
  readonly mode?: CombineMode;
  readonly priority?: number;
}

export interface CompiledMappingSet {
  readonly definition: MappingSetDefinition;
  readonly schema: DomainSchema;
  /** The extension URNs source paths recognise (enterprise and the tenant's). */
  readonly schemaUrns: readonly string[];
  readonly rules: readonly CompiledRule[];
  readonly assignments: readonly CompiledAssignment[];
  /**
   * Whether results depend on the user's groups (a fromGroups rule, groups(), memberOf() or
   * groupsMatching() in an expression, an assignment condition on groups): only then do membership
   * changes re-map users, and only then are a user's groups read before mapping.
   */
  readonly readsGroups: boolean;
}
