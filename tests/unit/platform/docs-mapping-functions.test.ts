import { readFileSync } from 'node:fs';
import path from 'node:path';
import { listFunctions } from '../../../src/domain/mapping/expression-functions';
import { evaluate, GROUPS, RAW_USER } from '../mapping/mapping-fixtures';

const page = readFileSync(path.resolve(__dirname, '..', '..', '..', 'docs', 'mapping.md'), 'utf8');
/** Rows `| \`name\` | what | \`example\` | \`result\` |` of the function table. */
const rows = [...page.matchAll(/^\| `(\w+)` \| .* \| `(.+)` \| `(.+)` \|$/gm)].map(([, name, example, result]) => ({ name, example, result }));

/** docs/mapping.md documents every function with an example, and each example gives the documented result. */
describe('docs/mapping.md function reference', () => {
  it('shows the user and groups the examples evaluate against', () => {
    const shown = JSON.parse(/```json\n(\{\n  "schemas"[\s\S]*?)\n```/.exec(page)![1]);
    expect(RAW_USER).toMatchObject(shown);
    for (const group of GROUPS) expect(page).toContain(`\`${group.displayName}\``);
  });

  it('lists every function of the expression language once', () => {
    expect(rows.map((row) => row.name).sort()).toEqual(listFunctions().map((spec) => spec.name).sort());
  });

  it.each(rows.map((row) => [row.name, row] as const))('%s: the example evaluates to the documented result', (_name, row) => {
    expect(evaluate(row.example)).toEqual(JSON.parse(row.result));
  });
});
