import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { isTextDocument } from '../../src/graphql/string-inputs';

/*
 * Operations that send a chosen string at each place a query or mutation argument takes one, generated
 * from the schema so a new argument is probed without a test naming it (tests/integration and the fuzzing gate).
 */

/** One place in a root field's arguments where a client sends a string. */
export interface StringPosition {
  readonly operation: 'query' | 'mutation';
  readonly field: GraphQLField<unknown, unknown>;
  readonly argument: GraphQLArgument;
  /** Input field names from the argument down to the string. */
  readonly path: readonly string[];
  /** String, ID or DateTime: the string itself; JSON: an object holding it. */
  readonly scalar: string;
  /** A whole document (YAML, a JSON definition): bounded by the body limit, not per string. */
  readonly textDocument: boolean;
}

const STRING_SCALARS = new Set(['String', 'ID', 'DateTime', 'JSON']);

/** Every string position of every query and mutation argument, input objects followed two levels deep. */
function stringPositions(root: GraphQLObjectType, operation: 'query' | 'mutation'): StringPosition[] {
  const positions: StringPosition[] = [];
  const walk = (field: GraphQLField<unknown, unknown>, argument: GraphQLArgument, type: GraphQLInputType, path: string[], textDocument: boolean, depth: number) => {
    const named = getNamedType(type);
    if (STRING_SCALARS.has(named.name)) positions.push({ operation, field, argument, path, scalar: named.name, textDocument });
    if (isInputObjectType(named) && depth < 3) {
      for (const inner of Object.values(named.getFields())) walk(field, argument, inner.type, [...path, inner.name], textDocument || isTextDocument(named, inner), depth + 1);
    }
  };
  for (const field of Object.values(root.getFields())) for (const argument of field.args) walk(field, argument, argument.type, [], false, 0);
  return positions;
}

/** The least value the type accepts: required input fields only, lists of one. */
function placeholder(type: GraphQLInputType): unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [placeholder(nullable.ofType)];
  if (isEnumType(nullable)) return nullable.getValues()[0].value;
  if (isInputObjectType(nullable)) {
    const value: Record<string, unknown> = {};
    for (const inner of Object.values(nullable.getFields())) if (isNonNullType(inner.type) && inner.defaultValue === undefined) value[inner.name] = placeholder(inner.type);
    return value;
  }
  switch (nullable.name) {
    case 'Int':
    case 'Float':
      return 1;
    case 'Boolean':
      return false;
    case 'DateTime':
      return '2026-01-01T00:00:00.000Z';
    case 'JSON':
      return {};
    default:
      return 'placeholder';
  }
}

/** The argument's placeholder with `text` at the position (as a JSON object's value where the scalar is JSON). */
function withText(type: GraphQLInputType, path: readonly string[], scalar: string, text: string): unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [withText(nullable.ofType, path, scalar, text)];
  if (path.length === 0) return scalar === 'JSON' ? { value: text } : text;
  const fields = (nullable as { getFields(): Record<string, GraphQLInputField> }).getFields();
  const [name, ...rest] = path;
  return { ...(placeholder(nullable) as Record<string, unknown>), [name]: withText(fields[name].type, rest, scalar, text) };
}

function selectionOf(field: GraphQLField<unknown, unknown>): string {
  const named = getNamedType(field.type);
  return isObjectType(named) || isInterfaceType(named) || isUnionType(named) ? ' { __typename }' : '';
}

/** The operation and variables that send `text` at the position, every other required argument a placeholder. */
export function probe(position: StringPosition, text: string): { query: string; variables: Record<string, unknown> } {
  const args = position.field.args.filter((argument) => argument === position.argument || (isNonNullType(argument.type) && argument.defaultValue === undefined));
  const variables: Record<string, unknown> = {};
  for (const argument of args) {
    variables[argument.name] = argument === position.argument ? withText(argument.type, position.path, position.scalar, text) : placeholder(argument.type);
  }
  const declarations = args.map((argument) => `$${argument.name}: ${String(argument.type)}`).join(', ');
  const passed = args.map((argument) => `${argument.name}: $${argument.name}`).join(', ');
  return {
    query: `${position.operation} Probe${declarations ? `(${declarations})` : ''} { ${position.field.name}${passed ? `(${passed})` : ''}${selectionOf(position.field)} }`,
    variables,
  };
}

export const describePosition = (position: StringPosition) => `${position.operation} ${position.field.name}(${[position.argument.name, ...position.path].join('.')})`;

/** Every string position of every query and mutation. */
export function allStringPositions(schema: GraphQLSchema): StringPosition[] {
  return [...stringPositions(schema.getQueryType()!, 'query'), ...stringPositions(schema.getMutationType()!, 'mutation')];
}
