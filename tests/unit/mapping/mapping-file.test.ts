import type { MappingSetDefinition } from '../../../src/domain/mapping/mapping-set';
import { createDefaultDomainSchema, createDefaultOptionLists, createPresetMappingSet } from '../../../src/domain/mapping/presets';
import type { Dialect } from '../../../src/domain/tenants/tenant';
import {
  formatMappingFileIssues,
  MAX_MAPPING_FILE_LENGTH,
  parseMappingFile,
  renderMappingFile,
  validateMappingFile,
  type MappingFileIssue,
} from '../../../src/services/mapping-file';
import { CUSTOM } from './mapping-fixtures';

const schema = createDefaultDomainSchema(CUSTOM);
const lists = createDefaultOptionLists();

function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

function validate(yaml: string): { errors: readonly MappingFileIssue[]; warnings: readonly MappingFileIssue[] } {
  return validateMappingFile(yaml, schema, lists);
}

/** Line and column of the first error, plus its message, for compact expectations. */
function firstError(yaml: string): [number, number, string] {
  const [error] = validate(yaml).errors;
  if (error === undefined) throw new Error('expected an error');
  return [error.line, error.column, error.message];
}

describe('mapping files', () => {
  describe('parseMappingFile', () => {
    it('reads a definition', () => {
      const result = parseMappingFile(lines('dialect: okta', 'rules:', '  - { id: email, target: email, from: userName, pipe: [trim, lower] }'));
      expect(result).toEqual({
        definition: { dialect: 'okta', rules: [{ id: 'email', target: 'email', from: 'userName', pipe: ['trim', 'lower'] }] },
        errors: [],
      });
    });

    it('keeps YAML 1.2 words such as on, yes and no as text', () => {
      const result = parseMappingFile(lines('rules:', '  - id: r', '    target: title', '    from: title', '    pipe: [{ map: { yes: on, no: off }, default: n }]'));
      expect(result.definition?.rules[0].pipe).toEqual([{ map: { yes: 'on', no: 'off' }, default: 'n' }]);
    });

    it.each<[string, string, number, number, string]>([
      ['a syntax error', lines('rules:', '  - id: r', '    target: [title'), 4, 1, 'Flow sequence'],
      ['a duplicate key', lines('rules:', '  - id: r', '    id: s'), 3, 5, 'Map keys must be unique'],
      ['a tab indent', lines('rules:', '\t- id: r'), 2, 1, 'Tabs are not allowed as indentation'],
      ['two documents', lines('rules: []', '---', 'rules: []'), 2, 1, 'a mapping file holds one mapping set (one YAML document)'],
      ['a list instead of a mapping', lines('- id: r'), 1, 1, 'a mapping file is a YAML mapping with a rules list'],
      ['an empty file', '', 1, 1, 'the file is empty; a mapping set has a rules list'],
      ['a mapping without rules', lines('dialect: entra', 'value: x'), 1, 1, 'a mapping file is a YAML mapping with a rules list'],
      ['rules that are not a list', lines('dialect: entra', 'rules: none'), 2, 1, 'rules must be a list'],
    ])('reports %s at its line and column', (_name, yaml, line, column, message) => {
      const result = parseMappingFile(yaml);
      expect(result.definition).toBeUndefined();
      expect(result.errors[0]).toEqual({ severity: 'error', line, column, message: expect.stringContaining(message) });
    });

    it('answers a deeply nested file with a clear message, never the JavaScript error it caused (issue 13)', () => {
      for (const depth of [3_000, 10_000]) {
        const { definition, errors } = parseMappingFile(`rules: ${'['.repeat(depth)}${']'.repeat(depth)}`);
        expect(definition).toBeUndefined();
        expect(errors.length).toBeGreaterThan(0);
        for (const error of errors) {
          expect(error.message).toBe('the YAML nests collections too deeply to be read');
          expect(error.message).not.toMatch(/call stack|RangeError|TypeError/);
        }
      }
    });

    it('refuses files over the size limit and alias bombs', () => {
      expect(parseMappingFile(' '.repeat(MAX_MAPPING_FILE_LENGTH + 1)).errors[0].message).toBe(`the file is larger than ${MAX_MAPPING_FILE_LENGTH} characters`);
      const bomb = lines('a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'rules: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]');
      expect(parseMappingFile(bomb).errors[0].message).toMatch(/alias/i);
    });
  });

  describe('validateMappingFile places every problem in the file', () => {
    it('accepts each preset as rendered', () => {
      for (const dialect of ['entra', 'okta', 'onelogin', 'generic'] as Dialect[]) {
        const result = validateMappingFile(renderMappingFile(createPresetMappingSet(dialect, CUSTOM)), schema, lists);
        expect({ dialect, errors: result.errors, warnings: result.warnings }).toEqual({ dialect, errors: [], warnings: [] });
        expect(result.mappingSet?.rules.length).toBeGreaterThan(10);
      }
    });

    it.each<[string, string, [number, number, string]]>([
      ['an unknown target, at its key', lines('rules:', '  - id: r', '    target: titel', '    from: title'), [3, 5, "target 'titel' is not a field of the domain schema; did you mean 'title'?"]],
      ['an unknown key', lines('rules:', '  - id: r', '    target: title', '    form: title'), [4, 5, "unknown key 'form' in rule 'r'; did you mean 'from'?"]],
      ['a missing key, at the rule', lines('rules:', '  - id: r', '    target: title'), [2, 5, 'a rule needs one of from, expr or fromGroups']],
      ['a plain expression', lines('rules:', '  - id: r', '    target: title', '    expr: lower(ToUpper(src.title))'), [4, 17, "unknown function 'ToUpper'; did you mean 'upper'?"]],
      ['a single-quoted expression with an escaped quote', lines('rules:', '  - id: r', '    target: title', "    expr: 'if(src.a == ''x'', lowr(src.b))'"), [4, 31, "unknown function 'lowr'; did you mean 'lower'?"]],
      ['a double-quoted expression with escapes', lines('rules:', '  - id: r', '    target: title', '    expr: "if(src.a == \\"x\\", lowr(src.b))"'), [4, 31, "unknown function 'lowr'; did you mean 'lower'?"]],
      [
        'a block literal expression',
        lines('rules:', '  - id: r', '    target: title', '    expr: |', '      coalesce(', '        src.a,', '        lowr(src.b)', '      )'),
        [7, 9, "unknown function 'lowr'; did you mean 'lower'?"],
      ],
      ['a folded expression', lines('rules:', '  - id: r', '    target: title', '    expr: >', '      coalesce(src.a,', '      lowr(src.b))'), [6, 7, "unknown function 'lowr'; did you mean 'lower'?"]],
      ['a multi-line plain expression', lines('rules:', '  - id: r', '    target: title', '    expr: coalesce(src.a,', '      lowr(src.b))'), [5, 7, "unknown function 'lowr'; did you mean 'lower'?"]],
      ['a parse error', lines('rules:', '  - id: r', '    target: title', '    expr: lower(src.a'), [4, 22, "expected ',' or ')' after the argument, found the end of the expression"]],
      ['a bad from path', lines('rules:', '  - id: r', '    target: title', '    from: [title, "emails[type eq ]"]'), [4, 35, 'invalid filter: expected a value, found the end of the filter']],
      ['a pipe step', lines('rules:', '  - id: r', '    target: title', '    from: title', '    pipe: [trim, lowercase]'), [5, 18, "unknown transform 'lowercase'; did you mean 'lower'?"]],
      [
        'a map value outside the vocabulary',
        lines('rules:', '  - id: r', '    target: appRoles', '    from: userType', '    pipe:', '      - map: { admin: Admn }', '        default: Viewer'),
        [6, 9, `Field 'appRoles' (Roles): "Admn" is not one of Admin, Manager, Contributor, Viewer`],
      ],
      ['a group pattern', lines('rules:', '  - id: r', '    target: appRoles', '    fromGroups:', '      - { namePattern: "^(App", value: Admin }'), [5, 30, "invalid regular expression: missing ')' for the group opened at offset 1"]],
      ['an assignment filter', lines('rules: []', 'assignments:', '  - id: a', '    when: department eq', '    groups: [legal]'), [4, 24, 'expected a space and a value after']],
      ['two writers of one field', lines('rules:', '  - { id: a, target: title, from: title }', '  - { id: b, target: title, from: userType }'), [3, 5, "rules 'a' and 'b' both write single-valued field 'title'"]],
    ])('%s', (_name, yaml, expected) => {
      expect(firstError(yaml)).toEqual([expected[0], expected[1], expect.stringContaining(expected[2])]);
    });

    it('reports warnings with positions and rule ids', () => {
      const { errors, warnings } = validate(lines('rules:', '  - id: role', '    target: appRoles', '    from: jobTitle', '    pipe: [{ map: { admin: Admin } }]'));
      expect(errors).toEqual([]);
      expect(warnings).toEqual([
        { severity: 'warning', line: 4, column: 5, message: expect.stringContaining("'jobTitle' is not a SCIM core User attribute"), path: 'rules[0].from', ruleId: 'role' },
        { severity: 'warning', line: 5, column: 12, message: 'map has no default: values missing from the table become null', path: 'rules[0].pipe[0]', ruleId: 'role' },
      ]);
    });

    it('prints issues as file:line:column lines', () => {
      const { errors } = validate(lines('rules:', '  - id: r', '    target: titel', '    from: title'));
      expect(formatMappingFileIssues('acme.yaml', errors)).toEqual([
        "acme.yaml:3:5: error: target 'titel' is not a field of the domain schema; did you mean 'title'? [rules[0].target]",
      ]);
    });
  });

  describe('renderMappingFile', () => {
    const rich: MappingSetDefinition = {
      dialect: 'entra',
      description: 'Roles: from userType, then groups',
      rules: [
        { id: 'role', target: 'appRoles', from: ['userType', 'title'], pipe: ['trim', { map: { admin: 'Admin', 'power user': 'Manager' }, default: 'Viewer' }] },
        {
          id: 'role-groups',
          target: 'appRoles',
          mode: 'highestPriority',
          fromGroups: [
            { name: 'App-Admins', value: 'Admin', priority: 1 },
            { namePattern: '^App-Mgr-.*$', value: 'Manager', priority: 2 },
          ],
        },
        { id: 'name', target: 'displayName', expr: 'join([src.name.givenName, src.name.familyName], " ")', apply: 'createOnly', onNull: 'keep' },
        { id: 'ou', target: 'businessUnit', expr: 'regexExtract(src.title, /OU=(?<ou>[^,]+)/i, "ou")', onNull: 'default:Unassigned' },
      ],
      assignments: [{ id: 'legal', when: 'department eq "Legal"', groups: ['legal'], set: { appRoles: 'Manager', businessUnit: 'Legal' } }],
    };

    it.each<[string, MappingSetDefinition]>([
      ['a rich definition', rich],
      ...(['entra', 'okta', 'onelogin', 'generic'] as Dialect[]).map((dialect): [string, MappingSetDefinition] => [`the ${dialect} preset`, createPresetMappingSet(dialect, CUSTOM)]),
    ])('round-trips %s', (_name, definition) => {
      expect(parseMappingFile(renderMappingFile(definition))).toEqual({ definition, errors: [] });
    });

    it('writes rules in block style and their small parts inline', () => {
      const text = renderMappingFile(rich);
      expect(text).toContain('  - id: role-groups\n    target: appRoles\n');
      expect(text).toContain('      - { name: App-Admins, value: Admin, priority: 1 }\n');
      expect(text).toContain('    from: [ userType, title ]\n');
      expect(text).toContain('    set: { appRoles: Manager, businessUnit: Legal }\n');
      expect(text).toContain('    expr: join([src.name.givenName, src.name.familyName], " ")\n');
    });
  });
});
