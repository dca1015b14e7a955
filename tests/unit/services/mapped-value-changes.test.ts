import { addValueChanges, changedFields } from '../../../src/services/mapping.service';
import { createDefaultDomainSchema } from '../../../src/domain/mapping/presets';
import type { ValueChanges } from '../../../src/persistence/repositories/mapping.repository';

const schema = createDefaultDomainSchema('urn:ietf:params:scim:schemas:extension:acme:2.0:User');

function row(fieldKey: string, position: number, value: string, extra: Partial<{ ruleId: string | null; sourcePath: string | null; rawValue: unknown; mappingVersion: number }> = {}) {
  return { fieldKey, position, value, valueText: value.toLowerCase(), ruleId: 'r', mappingVersion: 1, sourcePath: 's', rawValue: value, updatedAt: 0, ...extra };
}

describe('mapped value changes', () => {
  it('re-stamps rows that differ only by version, rewrites changed ones and names their fields', () => {
    const changes: ValueChanges = { restamped: [], inserted: [], deleted: [] };
    const stored = [row('title', 0, 'Lead'), row('appRoles', 0, 'Viewer'), row('department', 0, 'Legal')];
    const rows = [row('title', 0, 'Lead', { mappingVersion: 2 }), row('appRoles', 0, 'Admin', { mappingVersion: 2 }), row('appRoles', 1, 'Viewer', { mappingVersion: 2 })];
    const outcome = addValueChanges(changes, 'u1', stored, rows, 2);
    expect(outcome).toEqual({ written: true, rewritten: new Set(['appRoles', 'department']) });
    expect(changes.restamped).toEqual([{ userId: 'u1', fieldKey: 'title', position: 0, mappingVersion: 2 }]);
    expect(changes.deleted.map((key) => `${key.fieldKey}/${key.position}`)).toEqual(['appRoles/0', 'department/0']);
    expect(changes.inserted.map((key) => `${key.fieldKey}/${key.position}`)).toEqual(['appRoles/0', 'appRoles/1']);
    expect(changedFields(schema, { title: 'Lead', appRoles: ['Viewer'], department: 'Legal' }, rows, outcome.rewritten)).toEqual({
      appRoles: { before: ['Viewer'], after: ['Admin', 'Viewer'] },
      department: { before: 'Legal', after: null },
    });
  });

  it('a stored null and an absent provenance part are the same row; a provenance-only rewrite changes no value', () => {
    const changes: ValueChanges = { restamped: [], inserted: [], deleted: [] };
    const same = addValueChanges(changes, 'u1', [row('title', 0, 'Lead', { sourcePath: null })], [{ ...row('title', 0, 'Lead'), sourcePath: undefined as unknown as string }], 1);
    expect(same).toEqual({ written: false, rewritten: new Set() });
    const moved = addValueChanges(changes, 'u1', [row('title', 0, 'Lead')], [row('title', 0, 'Lead', { ruleId: 'other' })], 1);
    expect(moved.rewritten).toEqual(new Set(['title']));
    expect(changedFields(schema, { title: 'Lead' }, [row('title', 0, 'Lead', { ruleId: 'other' })], moved.rewritten)).toEqual({});
  });
});
