import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { GraphQLFormattedError } from 'graphql';
import { buildGraphqlSchema } from '../../src/graphql/schema';
import { MAX_STRING_BYTES } from '../../src/domain/string-limits';
import { testDatabaseKind } from '../support/test-app';
import { errorCodes, useGraphqlHub, type GraphqlClient } from '../graphql/graphql-hub';
import { allStringPositions, describePosition, probe, type StringPosition } from '../graphql/string-probes';

const NUL_VALUE = 'a\u0000b';
const LONG_VALUE = 'x'.repeat(100_000);

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
    positions = allStringPositions(schema);
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
