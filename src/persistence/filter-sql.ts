import type { CompareOperator, FilterValue } from '../domain/filter/filter-ast';
import type { FieldValueType, FilterField, GroupField, ResolvedFilter, UserField } from '../domain/filter/filter-field';
import { DomainError } from '../domain/errors';
import { foldText, foldUntrimmed, stripDefaultIgnorables } from '../domain/text';
import type { Dialect } from './database';

/**
 * Resolved filter AST -> one parameterised SQL predicate. Indexed fields map to columns, emails and
 * members to EXISTS over their row tables, anything else to a JSON lookup in the stored resource.
 * Every predicate is two-valued (never NULL), so `not` means what the client wrote.
 */
export interface SqlFragment {
  readonly sql: string;
  readonly bindings: unknown[];
}

export type FilterTable = 'users' | 'groups';

interface Column {
  readonly column: string;
  /**
   * The form the column holds: `folded` (foldText: no lower() needed, and its index is usable), or
   * `visible` (as sent, without default-ignorable characters: a case-exact key); compared values are
   * brought to the same form.
   */
  readonly form?: ColumnForm;
}

type ColumnForm = 'asSent' | 'folded' | 'visible';

const USER_COLUMNS: Record<UserField, Column> = {
  id: { column: 'id' },
  externalId: { column: 'external_id', form: 'visible' },
  userName: { column: 'user_name_norm', form: 'folded' },
  active: { column: 'active' },
  displayName: { column: 'display_name' },
  givenName: { column: 'given_name' },
  familyName: { column: 'family_name' },
  title: { column: 'title' },
  userType: { column: 'user_type' },
  department: { column: 'department' },
  division: { column: 'division' },
  organization: { column: 'organization' },
  costCenter: { column: 'cost_center' },
  employeeNumber: { column: 'employee_number' },
  managerId: { column: 'manager_id' },
  createdAt: { column: 'created_at' },
  updatedAt: { column: 'updated_at' },
};

const GROUP_COLUMNS: Record<GroupField, Column> = {
  id: { column: 'id' },
  externalId: { column: 'external_id', form: 'visible' },
  displayName: { column: 'display_name_norm', form: 'folded' },
  createdAt: { column: 'created_at' },
  updatedAt: { column: 'updated_at' },
};

const EMAIL_COLUMNS: Record<'value' | 'type' | 'primary', Column> = {
  value: { column: 'value_norm', form: 'folded' },
  type: { column: 'type' },
  primary: { column: 'is_primary' },
};

const MEMBER_COLUMNS: Record<'value' | 'type' | 'display', Column> = {
  value: { column: 'member_id' },
  type: { column: 'member_type' },
  display: { column: 'display' },
};

/** Where paths are evaluated: the resource row, an email or member row, or one element of a raw JSON array. */
type Scope =
  | { readonly kind: 'resource'; readonly table: FilterTable; readonly alias: string }
  | { readonly kind: 'email'; readonly alias: string }
  | { readonly kind: 'member'; readonly alias: string }
  | { readonly kind: 'rawElement'; readonly expression: string };

/** A LIKE pattern matching `value` literally (backslash is the escape character). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function jsonPath(keys: readonly string[]): string {
  return `$${keys.map((key) => `."${key.replace(/["\\]/g, '')}"`).join('')}`;
}

export class FilterSqlBuilder {
  private aliasCounter = 0;

  constructor(private readonly dialect: Dialect) {}

  build(filter: ResolvedFilter, table: FilterTable, alias: string): SqlFragment {
    return this.node(filter, { kind: 'resource', table, alias });
  }

  private node(node: ResolvedFilter, scope: Scope): SqlFragment {
    switch (node.kind) {
      case 'and':
      case 'or': {
        const left = this.node(node.left, scope);
        const right = this.node(node.right, scope);
        return { sql: `(${left.sql} ${node.kind.toUpperCase()} ${right.sql})`, bindings: [...left.bindings, ...right.bindings] };
      }
      case 'not': {
        const operand = this.node(node.operand, scope);
        return { sql: `(NOT ${operand.sql})`, bindings: operand.bindings };
      }
      case 'present':
        return this.field(node.path, scope, (expression, type, form) => this.present(expression, type, form));
      case 'compare':
        // "eq null" is "no value present": over a multi-valued attribute that is NOT EXISTS a present value, not EXISTS an absent one.
        if (node.op === 'eq' && node.value === null) {
          const present = this.node({ ...node, op: 'ne' }, scope);
          return { sql: `(NOT ${present.sql})`, bindings: present.bindings };
        }
        // "ne" holds for a missing value: also when the multi-valued attribute itself is missing.
        if (node.op === 'ne' && node.value !== null && scope.kind === 'resource') {
          const absent = this.absentMultiValued(node.path, scope);
          if (absent) {
            const some = this.field(node.path, scope, (expression, type, form, caseExact) => this.compare(expression, type, caseExact, form, 'ne', node.value));
            return { sql: `(${some.sql} OR ${absent.sql})`, bindings: [...some.bindings, ...absent.bindings] };
          }
        }
        return this.field(node.path, scope, (expression, type, form, caseExact) =>
          this.compare(expression, type, caseExact, form, node.op, node.value),
        );
      case 'valuePath':
        return this.valuePath(node.path, node.filter, scope);
    }
  }

  /**
   * The resource lacks the multi-valued attribute `path` reads through: no email rows (a user without
   * them has no emails attribute), or no array at the JSON path (missing or null). Undefined for
   * paths through no multi-valued attribute.
   */
  private absentMultiValued(path: FilterField, scope: Extract<Scope, { kind: 'resource' }>): SqlFragment | undefined {
    if (path.kind === 'email') {
      const any = this.existsIn('emails', scope, () => ({ sql: '1 = 1', bindings: [] }));
      return { sql: `(NOT ${any.sql})`, bindings: any.bindings };
    }
    if (path.kind !== 'raw' || path.arrayAt === undefined) return undefined;
    const keys = path.keys.slice(0, path.arrayAt + 1);
    if (this.dialect === 'sqlite') {
      return { sql: `(json_type(${scope.alias}.raw, ?) IS NULL OR json_type(${scope.alias}.raw, ?) = 'null')`, bindings: [jsonPath(keys), jsonPath(keys)] };
    }
    const placeholders = keys.map(() => '?').join(', ');
    return {
      sql: `(jsonb_extract_path(${scope.alias}.raw, ${placeholders}) IS NULL OR jsonb_typeof(jsonb_extract_path(${scope.alias}.raw, ${placeholders})) = 'null')`,
      bindings: [...keys, ...keys],
    };
  }

  private nextAlias(prefix: string): string {
    this.aliasCounter += 1;
    return `${prefix}${this.aliasCounter}`;
  }

  private existsIn(collection: 'emails' | 'members', scope: Scope, inner: (childScope: Scope) => SqlFragment): SqlFragment {
    if (scope.kind !== 'resource') throw new DomainError('INVALID_FILTER', `${collection} cannot be nested inside another value filter`);
    const alias = this.nextAlias(collection === 'emails' ? 'e' : 'm');
    const childScope: Scope = collection === 'emails' ? { kind: 'email', alias } : { kind: 'member', alias };
    const predicate = inner(childScope);
    const [table, owner] = collection === 'emails' ? ['user_emails', 'user_id'] : ['group_members', 'group_id'];
    return {
      sql: `EXISTS (SELECT 1 FROM ${table} ${alias} WHERE ${alias}.tenant_id = ${scope.alias}.tenant_id AND ${alias}.${owner} = ${scope.alias}.id AND ${predicate.sql})`,
      bindings: predicate.bindings,
    };
  }

  private existsInRawArray(keys: readonly string[], scope: Scope, inner: (childScope: Scope) => SqlFragment): SqlFragment {
    if (scope.kind !== 'resource') throw new DomainError('INVALID_FILTER', 'value filters cannot be nested');
    const alias = this.nextAlias('j');
    const column = `${scope.alias}.raw`;
    if (this.dialect === 'sqlite') {
      const predicate = inner({ kind: 'rawElement', expression: `${alias}.value` });
      return {
        sql: `EXISTS (SELECT 1 FROM json_each(${column}, ?) ${alias} WHERE json_type(${column}, ?) = 'array' AND ${predicate.sql})`,
        bindings: [jsonPath(keys), jsonPath(keys), ...predicate.bindings],
      };
    }
    const predicate = inner({ kind: 'rawElement', expression: `${alias}.value` });
    const placeholders = keys.map(() => '?').join(', ');
    const array = `jsonb_extract_path(${column}, ${placeholders})`;
    return {
      sql: `EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${array}) = 'array' THEN ${array} ELSE '[]'::jsonb END) ${alias}(value) WHERE ${predicate.sql})`,
      bindings: [...keys, ...keys, ...predicate.bindings],
    };
  }

  private valuePath(path: FilterField, filter: ResolvedFilter, scope: Scope): SqlFragment {
    if (path.kind === 'collection') return this.existsIn(path.collection, scope, (child) => this.node(filter, child));
    if (path.kind === 'raw') return this.existsInRawArray(path.keys, scope, (child) => this.node(filter, child));
    throw new DomainError('INVALID_FILTER', 'a value filter needs a multi-valued attribute');
  }

  /** Finds the SQL expression a path names in `scope` and hands it to `predicate`. */
  private field(
    path: FilterField,
    scope: Scope,
    predicate: (expression: string, type: FieldValueType, form: ColumnForm, caseExact: boolean) => SqlFragment,
  ): SqlFragment {
    switch (path.kind) {
      case 'field': {
        if (scope.kind !== 'resource') throw new DomainError('INVALID_FILTER', 'this attribute cannot be used inside a value filter');
        const columns: Record<string, Column> = scope.table === 'users' ? USER_COLUMNS : GROUP_COLUMNS;
        const column = columns[path.field];
        if (!column) throw new DomainError('INVALID_FILTER', `${path.field} cannot be filtered on ${scope.table}`);
        return predicate(`${scope.alias}.${column.column}`, path.type, column.form ?? 'asSent', path.caseExact);
      }
      case 'email': {
        const column = EMAIL_COLUMNS[path.sub];
        if (scope.kind === 'email') return predicate(`${scope.alias}.${column.column}`, path.type, column.form ?? 'asSent', path.caseExact);
        return this.existsIn('emails', scope, (child) => this.field(path, child, predicate));
      }
      case 'member': {
        const column = MEMBER_COLUMNS[path.sub];
        if (scope.kind === 'member') return predicate(`${scope.alias}.${column.column}`, path.type, column.form ?? 'asSent', path.caseExact);
        return this.existsIn('members', scope, (child) => this.field(path, child, predicate));
      }
      case 'collection':
        throw new DomainError('INVALID_FILTER', `${path.collection} needs a sub-attribute or a value filter`);
      case 'raw': {
        if (path.arrayAt !== undefined && scope.kind === 'resource') {
          const arrayKeys = path.keys.slice(0, path.arrayAt + 1);
          const elementPath: FilterField = { ...path, keys: path.keys.slice(path.arrayAt + 1), arrayAt: undefined };
          return this.existsInRawArray(arrayKeys, scope, (child) => this.field(elementPath, child, predicate));
        }
        return this.rawValue(path, scope, predicate);
      }
    }
  }

  private rawValue(
    path: Extract<FilterField, { kind: 'raw' }>,
    scope: Scope,
    predicate: (expression: string, type: FieldValueType, form: ColumnForm, caseExact: boolean) => SqlFragment,
  ): SqlFragment {
    const source = scope.kind === 'rawElement' ? scope.expression : scope.kind === 'resource' ? `${scope.alias}.raw` : undefined;
    if (!source) throw new DomainError('INVALID_FILTER', 'this attribute cannot be used inside a value filter');
    if (this.dialect === 'sqlite') {
      // An element that is a bare string (e.g. ["a","b"]) is compared as its own value.
      const expression = path.keys.length === 0 ? source : `json_extract(${source}, '${jsonPath(path.keys).replace(/'/g, "''")}')`;
      return predicate(expression, path.type, 'asSent', path.caseExact);
    }
    const expression =
      path.keys.length === 0
        ? `(${source} #>> '{}')`
        : `jsonb_extract_path_text(${source}, ${path.keys.map((key) => `'${key.replace(/'/g, "''")}'`).join(', ')})`;
    return predicate(expression, path.type, 'asSent', path.caseExact);
  }

  private present(expression: string, type: FieldValueType, form: ColumnForm): SqlFragment {
    if (type === 'string' || form !== 'asSent') return { sql: `(${expression} IS NOT NULL AND ${expression} <> '')`, bindings: [] };
    return { sql: `(${expression} IS NOT NULL)`, bindings: [] };
  }

  private compare(
    expression: string,
    type: FieldValueType,
    caseExact: boolean,
    form: ColumnForm,
    op: CompareOperator,
    value: FilterValue,
  ): SqlFragment {
    if (value === null) {
      if (op === 'eq') return { sql: `(NOT ${this.present(expression, type, form).sql})`, bindings: [] };
      if (op === 'ne') return this.present(expression, type, form);
      throw new DomainError('INVALID_FILTER', `"${op} null" is not a valid comparison`);
    }
    switch (type) {
      case 'boolean':
        return this.compareBoolean(expression, op, value);
      case 'dateTime':
        return this.compareOrdered(expression, op, parseDateValue(value));
      case 'number': {
        const number = typeof value === 'number' ? value : Number(value);
        if (typeof value === 'boolean' || !Number.isFinite(number)) throw new DomainError('INVALID_FILTER', `"${String(value)}" is not a number`);
        const numeric = this.dialect === 'postgresql' && expression.startsWith('jsonb_') ? `(${expression})::numeric` : expression;
        return this.compareOrdered(numeric, op, number);
      }
      case 'string':
        return this.compareString(expression, caseExact, form, op, String(value));
    }
  }

  private compareBoolean(expression: string, op: CompareOperator, value: FilterValue): SqlFragment {
    let wanted: boolean;
    if (typeof value === 'boolean') wanted = value;
    else if (typeof value === 'string' && /^(true|false)$/i.test(value)) wanted = value.toLowerCase() === 'true';
    else throw new DomainError('INVALID_FILTER', `"${String(value)}" is not a boolean`);
    if (op !== 'eq' && op !== 'ne') throw new DomainError('INVALID_FILTER', `${op} cannot compare booleans`);
    const isJsonText = this.dialect === 'postgresql' && expression.startsWith('jsonb_');
    const binding = isJsonText ? String(wanted) : this.dialect === 'sqlite' ? (wanted ? 1 : 0) : wanted;
    if (op === 'eq') return { sql: `(${expression} IS NOT NULL AND ${expression} = ?)`, bindings: [binding] };
    return { sql: `(${expression} IS NULL OR ${expression} <> ?)`, bindings: [binding] };
  }

  private compareOrdered(expression: string, op: CompareOperator, value: number): SqlFragment {
    const operators: Partial<Record<CompareOperator, string>> = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' };
    if (op === 'ne') return { sql: `(${expression} IS NULL OR ${expression} <> ?)`, bindings: [value] };
    const operator = operators[op];
    if (!operator) throw new DomainError('INVALID_FILTER', `${op} cannot compare numbers or dates`);
    return { sql: `(${expression} IS NOT NULL AND ${expression} ${operator} ?)`, bindings: [value] };
  }

  private compareString(expression: string, caseExact: boolean, form: ColumnForm, op: CompareOperator, value: string): SqlFragment {
    const folded = form === 'folded';
    const left = caseExact || folded ? expression : `lower(${expression})`;
    // Only equality trims, as uniqueness does: `co " "` looks for a space and `ge " 2"` orders from a space, as written.
    const equality = op === 'eq' || op === 'ne';
    const visible = form === 'visible' ? stripDefaultIgnorables(value) : value;
    const right = caseExact ? visible : folded ? (equality ? foldText(value) : foldUntrimmed(value)) : visible.toLowerCase();
    const notNull = `${expression} IS NOT NULL`;
    switch (op) {
      case 'eq':
        return { sql: `(${notNull} AND ${left} = ?)`, bindings: [right] };
      case 'ne':
        return { sql: `(${expression} IS NULL OR ${left} <> ?)`, bindings: [right] };
      case 'gt':
        return { sql: `(${notNull} AND ${left} > ?)`, bindings: [right] };
      case 'ge':
        return { sql: `(${notNull} AND ${left} >= ?)`, bindings: [right] };
      case 'lt':
        return { sql: `(${notNull} AND ${left} < ?)`, bindings: [right] };
      case 'le':
        return { sql: `(${notNull} AND ${left} <= ?)`, bindings: [right] };
      case 'co':
      case 'sw':
      case 'ew':
        return caseExact ? this.exactSubstring(expression, op, value) : this.likeSubstring(left, op, right, notNull);
    }
  }

  private likeSubstring(left: string, op: 'co' | 'sw' | 'ew', value: string, notNull: string): SqlFragment {
    const escaped = escapeLike(value);
    const pattern = op === 'co' ? `%${escaped}%` : op === 'sw' ? `${escaped}%` : `%${escaped}`;
    // SQLite's LIKE ignores ASCII case on its own; case_sensitive_like is off by default, and the
    // operand is already folded, so both dialects agree.
    return { sql: `(${notNull} AND ${left} LIKE ? ESCAPE '\\')`, bindings: [pattern] };
  }

  private exactSubstring(expression: string, op: 'co' | 'sw' | 'ew', value: string): SqlFragment {
    const length = [...value].length;
    const notNull = `${expression} IS NOT NULL`;
    // Every string contains, starts and ends with "" (SQLite's substr(x, -0) would be all of x).
    if (length === 0) return { sql: `(${notNull})`, bindings: [] };
    if (this.dialect === 'sqlite') {
      if (op === 'co') return { sql: `(${notNull} AND instr(${expression}, ?) > 0)`, bindings: [value] };
      if (op === 'sw') return { sql: `(${notNull} AND substr(${expression}, 1, ?) = ?)`, bindings: [length, value] };
      return { sql: `(${notNull} AND substr(${expression}, -?) = ?)`, bindings: [length, value] };
    }
    if (op === 'co') return { sql: `(${notNull} AND strpos(${expression}, ?) > 0)`, bindings: [value] };
    if (op === 'sw') return { sql: `(${notNull} AND left(${expression}, ?) = ?)`, bindings: [length, value] };
    return { sql: `(${notNull} AND right(${expression}, ?) = ?)`, bindings: [length, value] };
  }
}

/** Dates arrive with any fractional precision and offset (`2015-10-10T14:38:21.8617979-07:00`). */
export function parseDateValue(value: FilterValue): number {
  if (typeof value !== 'string') throw new DomainError('INVALID_FILTER', `"${String(value)}" is not a date-time`);
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(value.trim());
  if (!match) throw new DomainError('INVALID_FILTER', `"${value}" is not a date-time`);
  const [, date, time = '00:00:00', fraction = '', zone = 'Z'] = match;
  const milliseconds = fraction.padEnd(3, '0').slice(0, 3);
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const parsed = Date.parse(`${date}T${time.length === 5 ? `${time}:00` : time}.${milliseconds}${offset}`);
  if (Number.isNaN(parsed)) throw new DomainError('INVALID_FILTER', `"${value}" is not a date-time`);
  return parsed;
}
