import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema } from 'graphql';
import { OPERATOR_SCHEMA_SDL } from '../../../src/graphql/operator/operator-schema';
import { operatorResolvers } from '../../../src/graphql/operator/operator.resolvers';

describe('operator schema', () => {
  it('schema/operator.graphql is the SDL the server serves (else npm run graphql:generate)', () => {
    expect(readFileSync(path.resolve(__dirname, '..', '..', '..', 'schema', 'operator.graphql'), 'utf8')).toBe(OPERATOR_SCHEMA_SDL);
  });

  it('every Query and Mutation field has a resolver, and every resolver a field', () => {
    const schema = buildSchema(OPERATOR_SCHEMA_SDL);
    expect(Object.keys(operatorResolvers.Query).sort()).toEqual(Object.keys(schema.getQueryType()!.getFields()).sort());
    expect(Object.keys(operatorResolvers.Mutation).sort()).toEqual(Object.keys(schema.getMutationType()!.getFields()).sort());
  });
});
