/**
 * Writes schema/schema.graphql from the type-graphql classes: `npm run graphql:schema` (or
 * `npm run graphql:generate`, which also regenerates the typed test documents). A test fails while the
 * committed file differs from what this would write.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildGraphqlSchema, printGraphqlSchema } from '../src/graphql/schema';
import { OPERATOR_SCHEMA_SDL } from '../src/graphql/operator/operator-schema';

export const SCHEMA_FILE = path.resolve(__dirname, '..', 'schema', 'schema.graphql');
export const OPERATOR_SCHEMA_FILE = path.resolve(__dirname, '..', 'schema', 'operator.graphql');

async function main() {
  writeFileSync(SCHEMA_FILE, printGraphqlSchema(await buildGraphqlSchema()));
  console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
  writeFileSync(OPERATOR_SCHEMA_FILE, OPERATOR_SCHEMA_SDL);
  console.log(`wrote ${path.relative(process.cwd(), OPERATOR_SCHEMA_FILE)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
