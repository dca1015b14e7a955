import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLFormattedError,
  type GraphQLObjectType,
} from 'graphql';
import { buildGraphqlSchema } from '../../src/graphql/schema';
import { isTextDocument } from '../../src/graphql/string-inputs';
import { MAX_STRING_BYTES } from '../../src/domain/string-limits';
import { testDatabaseKind } from '../support/test-app';
import { errorCodes, useGraphqlHub, type GraphqlClient } from '../graphql/graphql-hub';

const NUL_VALUE = 'a\u0000b';
const LONG_VALUE = 'x'.repeat(100_000);

/** One place in a root field's arguments where a client sends a string. */
interface StringPosition {
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
function probe(position: StringPosition, text: string): { query: string; variables: Record<string, unknown> } {
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

const describePosition = (position: StringPosition) => `${position.operation} ${position.field.name}(${[position.argument.name, ...position.path].join('.')})`;

/**
 * Issue 8, Fuzzing (GraphQL side): every string a query or mutation takes, sent with a NUL and at
 * 100,000 characters, is refused as BAD_USER_INPUT before any resolver runs, on both databases;
 * whole documents (YAML, JSON definitions) are bounded by the body limit and refused on NUL only.
 */
describe(`GraphQL string inputs with NUL or over-long on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();
  let client: GraphqlClient;
  let token: string;
  let positions: StringPosition[];

  beforeAll(async () => {
    const tenant = await graphql.tenant();
    const key = await tenant.admin.sendText<{ createApiKey: { secret: string } }>('mutation { createApiKey(input: { name: "all", scopes: [READ, ADMIN, OWNERSHIP] }) { secret } }');
    token = key.data!.createApiKey.secret;
    client = tenant.client(token);
    const schema = await buildGraphqlSchema();
    positions = [...stringPositions(schema.getQueryType()!, 'query'), ...stringPositions(schema.getMutationType()!, 'mutation')];
  });

  it('a NUL anywhere in a string argument is BAD_USER_INPUT (400), never a 500 or INTERNAL_SERVER_ERROR', async () => {
    expect(positions.length).toBeGreaterThan(80);
    const answers: string[] = [];
    for (const position of positions) {
      const { query, variables } = probe(position, NUL_VALUE);
      const response = await client.sendText(query, variables);
      answers.push(`${describePosition(position)}: ${response.status} ${errorCodes(response).join(',')}`);
    }
    expect(answers.filter((answer) => !answer.endsWith(': 400 BAD_USER_INPUT'))).toEqual([]);
  });

  it(`a 100,000-character string is BAD_USER_INPUT (400) above ${MAX_STRING_BYTES} bytes; a whole document gets a stable error code, never INTERNAL_SERVER_ERROR`, async () => {
    const answers: string[] = [];
    const documents: string[] = [];
    for (const position of positions) {
      const { query, variables } = probe(position, LONG_VALUE);
      const response = await client.sendText(query, variables);
      const answer = `${describePosition(position)}: ${response.status} ${errorCodes(response).join(',')}`;
      if (position.textDocument) documents.push(answer);
      else answers.push(answer);
    }
    expect(answers.filter((answer) => !answer.endsWith(': 400 BAD_USER_INPUT'))).toEqual([]);
    expect(documents.length).toBeGreaterThanOrEqual(4);
    expect(documents.filter((answer) => answer.includes('INTERNAL_SERVER_ERROR') || / 5\d\d /.test(answer))).toEqual([]);
  });

  it('literals in the document and variable defaults are checked like variables, and the error names the argument', async () => {
    const literal = await client.sendText('{ users(filter: { search: "a\\u0000b" }) { totalCount } }');
    expect(literal.status).toBe(400);
    expect(errorCodes(literal)).toEqual(['BAD_USER_INPUT']);
    expect(literal.errors?.[0].message).toMatch(/filter\.search/);
    const defaulted = await client.sendText(`query ($name: String = "${'y'.repeat(3000)}") { userByUserName(userName: $name) { id } }`);
    expect(errorCodes(defaulted)).toEqual(['BAD_USER_INPUT']);
    expect(defaulted.errors?.[0].message).toMatch(/userName.*2048 bytes/);
    const nested = await client.sendText('query ($after: String) { users(first: 1) { nodes { groups(after: $after) { totalCount } } } }', { after: 'z\u0000' });
    expect(errorCodes(nested)).toEqual(['BAD_USER_INPUT']);
    // At the limit is fine: the search runs and finds nothing.
    const atLimit = await client.sendText('query ($search: String) { users(filter: { search: $search }) { totalCount } }', { search: 'x'.repeat(MAX_STRING_BYTES) });
    expect(atLimit.errors).toBeUndefined();
    expect(atLimit.data).toEqual({ users: { totalCount: 0 } });
  });

  it('a subscription is checked the same way over graphql-ws', async () => {
    const socket = createClient({ url: graphql.hub.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
    try {
      const errors = await new Promise<readonly GraphQLFormattedError[]>((resolve, reject) => {
        socket.subscribe(
          { query: 'subscription ($types: [String!]) { events(types: $types) { id } }', variables: { types: ['user.created', `a${'\u0000'}b`] } },
          { next: () => reject(new Error('an event arrived')), error: (error) => (Array.isArray(error) ? resolve(error) : reject(error)), complete: () => reject(new Error('completed without an error')) },
        );
      });
      expect(errors.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(errors[0].message).toMatch(/types\[1\]: strings cannot contain NUL/);
    } finally {
      await socket.dispose();
    }
  });
});
