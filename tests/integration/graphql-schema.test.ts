import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { buildGraphqlSchema, printGraphqlSchema } from '../../src/graphql/schema';

const ROOT = path.resolve(__dirname, '..', '..');
const REGENERATE = 'run `npm run graphql:generate` and commit the result';

interface CodegenConfig {
  generates: Record<string, unknown>;
  [option: string]: unknown;
}

/** The committed contract files are what the code produces: schema/schema.graphql and the typed test documents. */
describe('GraphQL schema and generated documents', () => {
  it(`schema/schema.graphql is what the type-graphql classes emit (else ${REGENERATE})`, async () => {
    const committed = readFileSync(path.join(ROOT, 'schema', 'schema.graphql'), 'utf8');
    expect(printGraphqlSchema(await buildGraphqlSchema()) === committed ? 'up to date' : `stale: ${REGENERATE}`).toBe('up to date');
  });

  it(`tests/graphql/generated is what codegen.yml generates from the schema and the operations (else ${REGENERATE})`, () => {
    // The codegen CLI runs as its own process (its dependencies are ES modules), writing to a scratch folder.
    const config = parseYaml(readFileSync(path.join(ROOT, 'codegen.yml'), 'utf8')) as CodegenConfig;
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'identity-hub-codegen-'));
    try {
      const targets = Object.keys(config.generates);
      const generates = Object.fromEntries(targets.map((target, index) => [path.join(scratch, `${index}.ts`), config.generates[target]]));
      const scratchConfig = path.join(scratch, 'codegen.yml');
      writeFileSync(scratchConfig, stringifyYaml({ ...config, generates }));
      const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', '.bin', 'graphql-codegen'), '--config', scratchConfig, '--silent'], { cwd: ROOT, encoding: 'utf8' });
      expect(run.status === 0 ? 'generated' : `${run.stdout}${run.stderr}`).toBe('generated');
      targets.forEach((target, index) => {
        const fresh = readFileSync(path.join(scratch, `${index}.ts`), 'utf8');
        const committed = readFileSync(path.join(ROOT, target), 'utf8');
        expect(fresh === committed ? `${target} up to date` : `${target} stale: ${REGENERATE}`).toBe(`${target} up to date`);
      });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
