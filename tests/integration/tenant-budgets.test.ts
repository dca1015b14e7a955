import { MAX_YAML_ANCHORS_AND_ALIASES, MAX_YAML_DEPTH } from '../../src/services/mapping-file';
import { testDatabaseKind } from '../support/test-app';
import { errorCodes, useGraphqlHub } from '../graphql/graphql-hub';
import { DraftMappingSetDocument } from '../graphql/generated/operations';

/** Issue 13, event-loop budgets: what one tenant sends is bounded, and refused with a clear error. */
describe(`tenant budgets on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  it('draftMappingSet refuses YAML with many single-use anchors or deep nesting, naming the limit (no RangeError text)', async () => {
    const tenant = await graphql.tenant();
    const anchors = `rules: [${Array.from({ length: 20_000 }, (_, index) => `&a${index} y, *a${index}`).join(', ')}]\n`;
    const deep = `rules: ${'['.repeat(5_000)}${']'.repeat(5_000)}\n`;
    for (const [yaml, message] of [
      [anchors, `more than ${MAX_YAML_ANCHORS_AND_ALIASES} anchors and aliases`],
      [deep, `deeper than ${MAX_YAML_DEPTH} levels`],
    ] as const) {
      const response = await tenant.admin.send(DraftMappingSetDocument, { input: { yaml } });
      expect(errorCodes(response)).toEqual(['INVALID_INPUT']);
      expect(response.errors![0]!.message).toContain(message);
      expect(response.errors![0]!.message).not.toMatch(/RangeError|call stack/i);
    }
  });
});
