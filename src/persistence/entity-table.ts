import { type EntityProperty, type EntitySchema, UnderscoreNamingStrategy, BigIntType } from '@mikro-orm/core';
import type { Dialect } from './session';
import { parseJsonValueColumn, toBoolean, toNumber } from './column-values';

/** How a column's values travel between JavaScript and the two databases. */
type ColumnKind = 'text' | 'number' | 'boolean' | 'json';

export interface TableColumn<Row> {
  readonly property: keyof Row & string;
  readonly name: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
}

type Reader<T> = (row: Record<string, unknown>) => T;

function kindOf(type: unknown): ColumnKind {
  if (type instanceof BigIntType || type === 'integer') return 'number';
  if (type === 'boolean') return 'boolean';
  if (type === 'json') return 'json';
  return 'text';
}

const bindPlain = (value: unknown) => (value === undefined ? null : value);
const bindJson = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
const bindNullableJson = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));

/** The ORM's own naming (the migrations name columns with it): `createdAt` -> `created_at`. */
const naming = new UnderscoreNamingStrategy();

const READ: Record<ColumnKind, string> = { text: '', number: 'toNumber', boolean: 'toBoolean', json: 'fromJson' };

/**
 * A table as its entity schema describes it: the column names, and the row mappers built from them, so
 * repositories name columns and convert values in one place. Readers are compiled per column list
 * (an object literal of fixed shape: a hot read maps its row at the cost of writing it by hand).
 */
export class EntityTable<Row extends object> {
  readonly name: string;
  readonly columns: readonly TableColumn<Row>[];
  private readonly byProperty = new Map<string, TableColumn<Row>>();
  private readonly readers = new Map<string, Reader<unknown>>();

  constructor(schema: EntitySchema<Row>) {
    const meta = schema.meta;
    this.name = meta.tableName ?? meta.collection;
    this.columns = (Object.entries(meta.properties) as [keyof Row & string, EntityProperty<Row>][]).map(([name, property]) => ({
      property: name,
      name: naming.propertyToColumnName(name),
      kind: kindOf(property.type),
      nullable: property.nullable === true,
    }));
    for (const column of this.columns) this.byProperty.set(column.property, column);
  }

  private column(property: keyof Row & string): TableColumn<Row> {
    const column = this.byProperty.get(property);
    if (!column) throw new Error(`${this.name} has no column for ${property}`);
    return column;
  }

  /** Column names of these properties, in the order given (all of the table's when none are). */
  names(properties?: readonly (keyof Row & string)[]): string[] {
    return (properties ?? this.columns.map((column) => column.property)).map((property) => this.column(property).name);
  }

  /**
   * A mapper from rows holding these properties' columns (as the driver returns them) to objects of those
   * properties: numbers as numbers, booleans as booleans, JSON decoded, NULL as null (never undefined).
   */
  reader<P extends keyof Row & string>(dialect: Dialect, properties: readonly P[]): Reader<Required<Pick<Row, P>>> {
    const key = `${dialect}|${properties.join(',')}`;
    let reader = this.readers.get(key);
    if (!reader) {
      const fields = properties.map((property) => {
        const column = this.column(property);
        const value = `row[${JSON.stringify(column.name)}]`;
        const convert = READ[column.kind];
        if (!convert) return `${JSON.stringify(property)}: ${value}`;
        return `${JSON.stringify(property)}: ${column.nullable ? `${value} == null ? null : ` : ''}${convert}(${value})`;
      });
      const build = new Function('toNumber', 'toBoolean', 'fromJson', `return (row) => ({ ${fields.join(', ')} });`) as (
        toNumber: (value: unknown) => number,
        toBoolean: (value: unknown) => boolean,
        fromJson: (value: unknown) => unknown,
      ) => Reader<unknown>;
      reader = build(toNumber, toBoolean, (value) => parseJsonValueColumn(dialect, value));
      this.readers.set(key, reader);
    }
    return reader as Reader<Required<Pick<Row, P>>>;
  }

  /** The bound values of `row` for these properties' columns, in order: JSON encoded, absent (and null in a nullable column) as NULL. */
  values(row: Partial<Row>, properties: readonly (keyof Row & string)[]): unknown[] {
    const values = new Array<unknown>(properties.length);
    for (let index = 0; index < properties.length; index += 1) values[index] = this.binder(properties[index])(row[properties[index]]);
    return values;
  }

  /** How one property's value is bound to its column (resolve it once for many rows). */
  binder(property: keyof Row & string): (value: unknown) => unknown {
    const column = this.column(property);
    if (column.kind !== 'json') return bindPlain;
    return column.nullable ? bindNullableJson : bindJson;
  }
}

/** The description of an entity's table (built once per entity). */
export function entityTable<Row extends object>(schema: EntitySchema<Row>): EntityTable<Row> {
  return new EntityTable(schema);
}
