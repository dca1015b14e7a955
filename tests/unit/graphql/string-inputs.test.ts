import { GraphQLID, GraphQLInputObjectType, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType, GraphQLSchema, GraphQLString, parse, type OperationDefinitionNode } from 'graphql';
import { StringInputChecker, textDocumentFields } from '../../../src/graphql/string-inputs';
import { MAX_STRING_BYTES } from '../../../src/domain/string-limits';

const json = new GraphQLScalarType({ name: 'JSON' });
const mappingInput = new GraphQLInputObjectType({
  name: 'MappingInput',
  fields: { yaml: { type: GraphQLString }, definition: { type: json }, comment: { type: GraphQLString } },
  extensions: textDocumentFields('yaml', 'definition'),
});
const filterInput = new GraphQLInputObjectType({
  name: 'Filter',
  fields: { search: { type: GraphQLString }, ids: { type: new GraphQLList(new GraphQLNonNull(GraphQLID)) }, raw: { type: json } },
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      users: { type: GraphQLString, args: { filter: { type: filterInput }, after: { type: GraphQLString } } },
      user: { type: GraphQLString, args: { id: { type: new GraphQLNonNull(GraphQLID) } } },
    },
  }),
  mutation: new GraphQLObjectType({ name: 'Mutation', fields: { draft: { type: GraphQLString, args: { input: { type: new GraphQLNonNull(mappingInput) } } } } }),
});

const LONG = 'x'.repeat(MAX_STRING_BYTES + 1);

function deepArray(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level += 1) value = [value];
  return value;
}

function check(query: string, variables?: Record<string, unknown>): string | undefined {
  const document = parse(query);
  const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition')!;
  const error = new StringInputChecker(schema).check(document, operation, variables);
  if (error) expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', http: { status: 400 } });
  return error?.message;
}

describe('StringInputChecker', () => {
  it.each<[string, string, Record<string, unknown> | undefined, RegExp | undefined]>([
    ['a clean literal', '{ users(filter: { search: "ann" }) }', undefined, undefined],
    ['a NUL in a literal', '{ users(filter: { search: "a\\u0000" }) }', undefined, /^argument "filter" of "users", filter\.search: strings cannot contain NUL/],
    ['a NUL in a variable', 'query ($id: ID!) { user(id: $id) }', { id: '\u0000' }, /^argument "id" of "user", id: strings cannot contain NUL/],
    ['a NUL in a list element', 'query ($f: Filter) { users(filter: $f) }', { f: { ids: ['a', 'b\u0000'] } }, /filter\.ids\[1\]: strings cannot contain NUL/],
    ['a variable inside a literal object', 'query ($s: String) { users(filter: { search: $s }) }', { s: LONG }, /filter\.search: strings are at most 2048 bytes/],
    ['at the limit', 'query ($s: String) { users(after: $s) }', { s: 'x'.repeat(MAX_STRING_BYTES) }, undefined],
    ['over the limit in bytes, not characters', 'query ($s: String) { users(after: $s) }', { s: '\u20ac'.repeat(683) }, /after: strings are at most/],
    ['a NUL deep in a JSON value', 'query ($f: Filter) { users(filter: $f) }', { f: { raw: { a: [{ b: 'c\u0000' }] } } }, /filter\.raw\.a\[0\]\.b: strings cannot contain NUL/],
    ['a NUL in a JSON key', 'query ($f: Filter) { users(filter: $f) }', { f: { raw: { 'k\u0000': 1 } } }, /filter\.raw \(a key\): strings cannot contain NUL/],
    ['a long string in a JSON value', 'query ($f: Filter) { users(filter: $f) }', { f: { raw: { a: LONG } } }, /filter\.raw\.a: strings are at most/],
    ['a long document field', 'mutation ($i: MappingInput!) { draft(input: $i) }', { i: { yaml: LONG, definition: { rules: [LONG] } } }, undefined],
    ['a NUL in a document field', 'mutation ($i: MappingInput!) { draft(input: $i) }', { i: { yaml: 'rules:\u0000' } }, /input\.yaml: strings cannot contain NUL/],
    ['a NUL in a JSON document', 'mutation { draft(input: { definition: { rules: ["\\u0000"] } }) }', undefined, /input\.definition: strings cannot contain NUL/],
    ['a long string beside a document', 'mutation ($i: MappingInput!) { draft(input: $i) }', { i: { yaml: 'rules: []', comment: LONG } }, /input\.comment: strings are at most/],
    ['an unknown input field (coercion refuses it later)', 'query ($f: Filter) { users(filter: $f) }', { f: { nope: '\u0000' } }, /filter\.nope: strings cannot contain NUL/],
    ['a variable default', `query ($s: String = "${'y'.repeat(3000)}") { users(after: $s) }`, undefined, /after: strings are at most/],
    ['a sent value over its default', `query ($s: String = "${'y'.repeat(3000)}") { users(after: $s) }`, { s: 'ok' }, undefined],
    ['an argument in a fragment', 'query ($s: String) { ...F } fragment F on Query { users(after: $s) }', { s: '\u0000' }, /argument "after" of "users"/],
    ['variables the operation does not declare', '{ users(after: "a") }', { after: '\u0000' }, undefined],
    ['a 10,000-deep JSON value (a subscription message has no body depth check)', 'query ($f: Filter) { users(filter: $f) }', { f: { raw: deepArray(10_000) } }, /filter\.raw(\[0\])+: values nest deeper than 64 levels/],
    ['a 10,000-deep list where a string is expected', 'query ($f: Filter) { users(filter: $f) }', { f: { search: deepArray(10_000) } }, /filter\.search(\[0\])+: values nest deeper than 64 levels/],
    ['a value nested 60 deep is checked, not refused', 'query ($f: Filter) { users(filter: $f) }', { f: { raw: deepArray(60) } }, undefined],
  ])('%s', (_name, query, variables, expected) => {
    const message = check(query, variables);
    if (expected) expect(message).toMatch(expected);
    else expect(message).toBeUndefined();
  });

  it('finds the arguments of a document once and checks each request with its own variables', () => {
    const checker = new StringInputChecker(schema);
    const document = parse('query ($s: String) { users(after: $s) }');
    const operation = document.definitions[0] as OperationDefinitionNode;
    expect(checker.check(document, operation, { s: 'fine' })).toBeUndefined();
    expect(checker.check(document, operation, { s: '\u0000' })?.message).toMatch(/NUL/);
    expect(checker.check(document, operation, {})).toBeUndefined();
  });
});
