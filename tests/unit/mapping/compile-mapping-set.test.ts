import { compileMappingSet, MAX_PIPE_STEPS, MAX_RULES } from '../../../src/domain/mapping/compile-mapping-set';
import type { DomainSchema } from '../../../src/domain/mapping/domain-schema';
import type { MappingIssue, MappingSetDefinition } from '../../../src/domain/mapping/mapping-set';
import type { OptionList } from '../../../src/domain/mapping/option-list';
import { createDefaultDomainSchema, createDefaultOptionLists } from '../../../src/domain/mapping/presets';
import { CUSTOM, ENTERPRISE } from './mapping-fixtures';

const baseSchema = createDefaultDomainSchema(CUSTOM);
const schema: DomainSchema = {
  ...baseSchema,
  fields: [
    ...baseSchema.fields,
    { key: 'level', label: 'Level', type: 'number' },
    { key: 'remote', label: 'Remote', type: 'boolean' },
    { key: 'startDate', label: 'Start date', type: 'date' },
    { key: 'site', label: 'Site', type: 'option', optionList: 'site' },
    { key: 'skills', label: 'Skills', type: 'text', multiValued: true },
  ],
};
const optionLists: OptionList[] = [...createDefaultOptionLists(), { key: 'site', values: [{ value: 'Berlin' }], onUnknown: 'reject' }];

function compile(definition: unknown) {
  return compileMappingSet(definition as MappingSetDefinition, schema, optionLists);
}

function errorsOf(definition: unknown): MappingIssue[] {
  const result = compile(definition);
  return result.ok ? [] : [...result.errors];
}

function warningsOf(definition: unknown): MappingIssue[] {
  return [...compile(definition).warnings];
}

function rules(...list: unknown[]): unknown {
  return { rules: list };
}

describe('compileMappingSet', () => {
  it('compiles a set of every rule kind', () => {
    const result = compile({
      dialect: 'entra',
      description: 'all kinds',
      rules: [
        { id: 'email', target: 'email', from: 'userName', pipe: ['trim', 'lower'] },
        { id: 'name', target: 'displayName', expr: 'join([src.name.givenName, src.name.familyName], " ")', apply: 'createOnly', onNull: 'keep' },
        { id: 'role', target: 'appRoles', from: ['userType', 'title'], pipe: ['trim', { map: { admin: 'Admin' }, default: 'Viewer', match: 'caseInsensitive' }] },
        { id: 'role-groups', target: 'appRoles', mode: 'highestPriority', fromGroups: [{ name: 'App-Admins', value: 'Admin', priority: 1 }, { namePattern: '^App-', value: 'Manager' }] },
        { id: 'level', target: 'level', from: `${CUSTOM}:level`, pipe: ['toInt'], onNull: 'default:1' },
        { id: 'start', target: 'startDate', from: `${CUSTOM}:startDate`, pipe: [{ parseDate: 'dd/MM/yyyy' }] },
        { id: 'skills', target: 'skills', from: `${CUSTOM}:skills`, pipe: [{ split: ',' }, 'trim'] },
      ],
      assignments: [{ id: 'legal', when: 'department eq "Legal"', groups: ['legal'], set: { appRoles: 'Manager', businessUnit: 'Legal' } }],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.mappingSet.rules.map((rule) => [rule.id, rule.kind, rule.field.key])).toEqual([
      ['email', 'value', 'email'],
      ['name', 'value', 'displayName'],
      ['role', 'value', 'appRoles'],
      ['role-groups', 'groups', 'appRoles'],
      ['level', 'value', 'level'],
      ['start', 'value', 'startDate'],
      ['skills', 'value', 'skills'],
    ]);
    expect(result.mappingSet.assignments).toHaveLength(1);
    expect(result.warnings.map((warning) => warning.message)).toEqual([`"Legal" is not in option list 'businessUnit' yet; it is added when first written`]);
  });

  describe('reports each problem with its location', () => {
    it.each<[string, unknown, Partial<MappingIssue>]>([
      ['not an object', 'rules: []', { path: [], message: 'a mapping set must be an object with a rules list' }],
      ['rules missing', {}, { path: ['rules'], message: 'rules must be a list' }],
      ['unknown top-level key', { rules: [], rule: [] }, { path: ['rule'], message: "unknown key 'rule' in the mapping set; did you mean 'rules'?" }],
      ['bad dialect', { rules: [], dialect: 'azure' }, { path: ['dialect'], message: 'dialect must be one of entra, okta, onelogin, generic' }],
      ['rule not an object', rules('email'), { path: ['rules', 0], ruleIndex: 0 }],
      ['bad id', rules({ id: 'has space', target: 'email', from: 'userName' }), { path: ['rules', 0, 'id'], message: expect.stringContaining('id must be 1-64 letters') }],
      [
        'duplicate id',
        rules({ id: 'a', target: 'email', from: 'userName' }, { id: 'A', target: 'title', from: 'title' }),
        { path: ['rules', 1, 'id'], ruleId: 'A', ruleIndex: 1, message: "id 'A' is already used by rules[0]" },
      ],
      [
        'unknown target',
        rules({ id: 'r', target: 'titel', from: 'title' }),
        { path: ['rules', 0, 'target'], ruleId: 'r', field: 'titel', message: "target 'titel' is not a field of the domain schema; did you mean 'title'?" },
      ],
      ['unknown rule key', rules({ id: 'r', target: 'title', form: 'title' }), { path: ['rules', 0, 'form'], message: "unknown key 'form' in rule 'r'; did you mean 'from'?" }],
      ['no source', rules({ id: 'r', target: 'title' }), { path: ['rules', 0], message: 'a rule needs one of from, expr or fromGroups' }],
      ['two sources', rules({ id: 'r', target: 'title', from: 'title', expr: 'src.title' }), { path: ['rules', 0], message: 'a rule takes only one of from, expr' }],
      ['bad apply', rules({ id: 'r', target: 'title', from: 'title', apply: 'sometimes' }), { path: ['rules', 0, 'apply'], message: 'apply must be one of always, createOnly, ifEmpty' }],
      ['bad onNull', rules({ id: 'r', target: 'title', from: 'title', onNull: 'drop' }), { path: ['rules', 0, 'onNull'], message: 'onNull must be keep, clear or default:<value>' }],
      ['bad onNull default', rules({ id: 'r', target: 'level', from: 'x', onNull: 'default:high' }), { path: ['rules', 0, 'onNull'], message: `Field 'level' (Level): "high" is not a number` }],
      ['bad mode', rules({ id: 'r', target: 'title', from: 'title', mode: 'union' }), { path: ['rules', 0, 'mode'], message: 'mode must be one of replace, merge, highestPriority' }],
      ['merge on a single value', rules({ id: 'r', target: 'title', from: 'title', mode: 'merge' }), { path: ['rules', 0, 'mode'], message: expect.stringContaining("mode merge needs a multi-valued field; 'title' holds one value") }],
      ['bad priority', rules({ id: 'r', target: 'title', from: 'title', priority: 'high' }), { path: ['rules', 0, 'priority'], message: 'priority must be a number (lower wins)' }],
      ['empty from', rules({ id: 'r', target: 'title', from: [] }), { path: ['rules', 0, 'from'], message: expect.stringContaining('from must be a source path or a list') }],
      [
        'bad from path',
        rules({ id: 'r', target: 'title', from: ['title', 'emails[type eq ]'] }),
        { path: ['rules', 0, 'from', 1], message: 'invalid filter: expected a value, found the end of the filter', position: { offset: 15, line: 1, column: 16 } },
      ],
      [
        'expression parse error',
        rules({ id: 'r', target: 'title', expr: 'lower(\n  src.title' }),
        { path: ['rules', 0, 'expr'], ruleId: 'r', field: 'title', message: expect.stringContaining("expected ',' or ')'"), position: { offset: 18, line: 2, column: 12 } },
      ],
      [
        'expression check error',
        rules({ id: 'r', target: 'title', expr: 'coalesce(src.a, ToUpper(src.b))' }),
        { path: ['rules', 0, 'expr'], message: "unknown function 'ToUpper'; did you mean 'upper'?", position: { offset: 16, line: 1, column: 17 } },
      ],
      ['value in a rule expression', rules({ id: 'r', target: 'title', expr: 'lower(value)' }), { path: ['rules', 0, 'expr'], message: expect.stringContaining("'value' means the value flowing through a pipe") }],
      ['pipe not a list', rules({ id: 'r', target: 'title', from: 'title', pipe: 'lower' }), { path: ['rules', 0, 'pipe'], message: `pipe must be a list of at most ${MAX_PIPE_STEPS} steps` }],
      ['unknown transform', rules({ id: 'r', target: 'title', from: 'title', pipe: ['trim', 'lowercase'] }), { path: ['rules', 0, 'pipe', 1], message: "unknown transform 'lowercase'; did you mean 'lower'?" }],
      ['transform missing arguments', rules({ id: 'r', target: 'title', from: 'title', pipe: ['left'] }), { path: ['rules', 0, 'pipe', 0], message: 'left takes 2 arguments, got 1: left(text, n)' }],
      ['transform with bad arguments', rules({ id: 'r', target: 'title', from: 'title', pipe: [{ left: 'three' }] }), { path: ['rules', 0, 'pipe', 0], message: `left: argument 'n' must be a number, got "three"` }],
      ['transform that is no step', rules({ id: 'r', target: 'title', from: 'title', pipe: ['groups'] }), { path: ['rules', 0, 'pipe', 0], message: 'groups cannot be a pipe step; use it inside { expr: "..." }' }],
      ['two transforms in one step', rules({ id: 'r', target: 'title', from: 'title', pipe: [{ lower: null, upper: null }] }), { path: ['rules', 0, 'pipe', 0], message: expect.stringContaining('a pipe step is a transform name') }],
      ['bad pattern in a step', rules({ id: 'r', target: 'title', from: 'title', pipe: [{ regexReplace: ['(a', ''] }] }), { path: ['rules', 0, 'pipe', 0], message: expect.stringContaining('invalid regular expression') }],
      ['bad expr step', rules({ id: 'r', target: 'title', from: 'title', pipe: [{ expr: 'lower(value' }] }), { path: ['rules', 0, 'pipe', 0, 'expr'], position: { offset: 11, line: 1, column: 12 } }],
      ['map not a table', rules({ id: 'r', target: 'appRoles', from: 'userType', pipe: [{ map: 'admin', default: 'Viewer' }] }), { path: ['rules', 0, 'pipe', 0, 'map'], message: 'map must be a table of source value: result' }],
      ['map keys that collide', rules({ id: 'r', target: 'appRoles', from: 'userType', pipe: [{ map: { admin: 'Admin', ADMIN: 'Viewer' }, default: 'Viewer' }] }), { path: ['rules', 0, 'pipe', 0, 'map', 'ADMIN'], message: "map keys 'admin' and 'ADMIN' are the same ignoring case and spacing" }],
      ['map step unknown key', rules({ id: 'r', target: 'appRoles', from: 'userType', pipe: [{ map: { admin: 'Admin' }, fallback: 'Viewer' }] }), { path: ['rules', 0, 'pipe', 0, 'fallback'], message: "unknown key 'fallback' in a map step" }],
      ['map value outside the vocabulary', rules({ id: 'r', target: 'appRoles', from: 'userType', pipe: [{ map: { admin: 'Admn' }, default: 'Viewer' }] }), { path: ['rules', 0, 'pipe', 0], message: `Field 'appRoles' (Roles): "Admn" is not one of Admin, Manager, Contributor, Viewer` }],
      ['switch result outside the vocabulary', rules({ id: 'r', target: 'appRoles', expr: 'switch(src.userType, "Nobody", "admin", "Admin")' }), { path: ['rules', 0, 'expr'], message: expect.stringContaining('"Nobody" is not one of') }],
      ['rejected option in a map', rules({ id: 'r', target: 'site', from: 'x', pipe: [{ map: { b: 'Bonn' }, default: 'Berlin' }] }), { path: ['rules', 0, 'pipe', 0], message: `Field 'site' (Site): "Bonn" is not a value of option list 'site'` }],
      ['type that does not fit', rules({ id: 'r', target: 'level', expr: 'isEmpty(src.x)' }), { path: ['rules', 0, 'expr'], message: "the rule produces true/false, which field 'level' (number) cannot hold" }],
      ['table into a field', rules({ id: 'r', target: 'title', expr: '{a: 1}' }), { path: ['rules', 0, 'expr'], message: "the rule produces a table, which field 'title' (text) cannot hold" }],
      ['fromGroups with a pipe', rules({ id: 'r', target: 'appRoles', fromGroups: [{ name: 'x', value: 'Admin' }], pipe: ['trim'] }), { path: ['rules', 0, 'pipe'], message: expect.stringContaining('a fromGroups rule takes no pipe') }],
      ['fromGroups empty', rules({ id: 'r', target: 'appRoles', fromGroups: [] }), { path: ['rules', 0, 'fromGroups'], message: expect.stringContaining('fromGroups must be a list of 1 to') }],
      ['group entry with two matchers', rules({ id: 'r', target: 'appRoles', fromGroups: [{ name: 'x', id: 'y', value: 'Admin' }] }), { path: ['rules', 0, 'fromGroups', 0], message: 'a fromGroups entry matches by exactly one of id, externalId, name, namePattern' }],
      ['group entry bad pattern', rules({ id: 'r', target: 'appRoles', fromGroups: [{ namePattern: '^(App', value: 'Admin' }] }), { path: ['rules', 0, 'fromGroups', 0, 'namePattern'], position: { offset: 5, line: 1, column: 6 } }],
      ['group entry without value', rules({ id: 'r', target: 'appRoles', fromGroups: [{ name: 'x' }] }), { path: ['rules', 0, 'fromGroups', 0], message: 'a fromGroups entry needs the value it grants' }],
      ['group entry value outside the vocabulary', rules({ id: 'r', target: 'appRoles', fromGroups: [{ name: 'x', value: 'Owner' }] }), { path: ['rules', 0, 'fromGroups', 0, 'value'], message: expect.stringContaining('"Owner" is not one of') }],
      ['group entry unknown key', rules({ id: 'r', target: 'appRoles', fromGroups: [{ displayName: 'x', value: 'Admin' }] }), { path: ['rules', 0, 'fromGroups', 0, 'displayName'], message: "unknown key 'displayName' in a fromGroups entry" }],
      [
        'two writers of a single-valued field',
        rules({ id: 'a', target: 'title', from: 'title' }, { id: 'b', target: 'title', expr: 'src.userType' }),
        { path: ['rules', 1, 'mode'], ruleId: 'b', field: 'title', message: "rules 'a' and 'b' both write single-valued field 'title': give 'b' a mode (replace or highestPriority)" },
      ],
      ['too many rules', { rules: Array.from({ length: MAX_RULES + 1 }, (_, index) => ({ id: `r${index}`, target: 'skills', from: 'title' })) }, { path: ['rules'], message: `a mapping set holds at most ${MAX_RULES} rules, this one has ${MAX_RULES + 1}` }],
      ['assignment filter error', { rules: [], assignments: [{ id: 'a', when: 'department eq', groups: ['x'] }] }, { path: ['assignments', 0, 'when'], ruleId: 'a', ruleIndex: 0, position: { offset: 13, line: 1, column: 14 } }],
      ['assignment grants nothing', { rules: [], assignments: [{ id: 'a', when: 'active eq true' }] }, { path: ['assignments', 0], message: 'an assignment grants groups, field values (set), or both' }],
      ['assignment unknown field', { rules: [], assignments: [{ id: 'a', when: 'active eq true', set: { role: 'Admin' } }] }, { path: ['assignments', 0, 'set', 'role'], message: "'role' is not a field of the domain schema" }],
      ['assignment bad value', { rules: [], assignments: [{ id: 'a', when: 'active eq true', set: { appRoles: 'Owner' } }] }, { path: ['assignments', 0, 'set', 'appRoles'], field: 'appRoles' }],
      ['assignment bad groups', { rules: [], assignments: [{ id: 'a', when: 'active eq true', groups: 'legal' }] }, { path: ['assignments', 0, 'groups'], message: 'groups must be a list of group names' }],
      ['assignment merge on a single value', { rules: [], assignments: [{ id: 'a', when: 'active eq true', set: { title: 'x' }, mode: 'merge' }] }, { path: ['assignments', 0, 'mode'], field: 'title' }],
      [
        'assignment id used by a rule',
        { rules: [{ id: 'legal', target: 'title', from: 'title' }], assignments: [{ id: 'legal', when: 'active eq true', groups: ['x'] }] },
        { path: ['assignments', 0, 'id'], message: "id 'legal' is already used by rules[0]" },
      ],
    ])('%s', (_name, definition, expected) => {
      expect(errorsOf(definition)).toContainEqual(expect.objectContaining({ severity: 'error', ...expected }));
    });
  });

  it('reports every problem of a rule in one pass, even with a wrong target', () => {
    const errors = errorsOf(rules({ id: 'r', target: 'titel', expr: 'lowr(src.title)', apply: 'never' }));
    expect(errors.map((error) => error.path.join('.'))).toEqual(['rules.0.target', 'rules.0.apply', 'rules.0.expr']);
  });

  describe('warns about what may go wrong at run time', () => {
    it.each<[string, unknown, string]>([
      ['a map without default', rules({ id: 'r', target: 'appRoles', from: 'userType', pipe: [{ map: { admin: 'Admin' } }] }), 'map has no default: values missing from the table become null'],
      ['an unknown core attribute', rules({ id: 'r', target: 'title', from: 'jobTitle' }), "'jobTitle' is not a SCIM core User attribute; custom attributes usually arrive under an extension URN (from jobTitle)"],
      ['an unknown sub-attribute', rules({ id: 'r', target: 'title', from: 'name.first' }), "'name' has no sub-attribute 'first' (from name.first)"],
      ['an unknown enterprise attribute', rules({ id: 'r', target: 'title', from: `${ENTERPRISE}:team` }), `'team' is not an attribute of the enterprise extension (from ${ENTERPRISE}:team)`],
      ['a list into a single value', rules({ id: 'r', target: 'title', expr: 'split(src.title, " ")' }), "the rule produces a list but field 'title' holds one value"],
      ['a new option value', rules({ id: 'r', target: 'region', from: 'x', onNull: 'default:Nordics' }), `"Nordics" is not in option list 'region' yet; it is added when first written`],
    ])('%s', (_name, definition, message) => {
      expect(warningsOf(definition)).toContainEqual(expect.objectContaining({ severity: 'warning', message: expect.stringContaining(message) }));
    });

    it('says nothing about paths under the tenant extension or the standard ones', () => {
      expect(warningsOf(rules({ id: 'a', target: 'region', from: `${CUSTOM}:anything` }, { id: 'b', target: 'title', from: `${ENTERPRISE}:manager.value` }))).toEqual([]);
    });
  });

  it('lets several rules write a multi-valued field without a mode', () => {
    expect(errorsOf(rules({ id: 'a', target: 'appRoles', from: 'userType' }, { id: 'b', target: 'appRoles', fromGroups: [{ name: 'x', value: 'Admin' }] }))).toEqual([]);
  });

  it('lets a later rule replace or outrank an earlier one for a single-valued field', () => {
    expect(errorsOf(rules({ id: 'a', target: 'title', from: 'title' }, { id: 'b', target: 'title', from: 'userType', mode: 'replace' }))).toEqual([]);
    expect(errorsOf(rules({ id: 'a', target: 'title', from: 'title', priority: 2 }, { id: 'b', target: 'title', fromGroups: [{ name: 'x', value: 'Boss', priority: 1 }], mode: 'highestPriority' }))).toEqual([]);
  });
});

describe('compileMappingSet: whether a set reads groups', () => {
  function readsGroups(definition: unknown): boolean {
    const result = compile(definition);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return result.mappingSet.readsGroups;
  }

  it.each<[string, unknown, boolean]>([
    ['copies only', rules({ id: 'd', target: 'department', from: `${ENTERPRISE}:department` }), false],
    ['a text that merely mentions groups', rules({ id: 't', target: 'title', expr: '"groups memberOf"' }), false],
    ['a source attribute named like a function', rules({ id: 't', target: 'title', from: 'groupsMatching' }), false],
    ['a fromGroups rule', rules({ id: 'r', target: 'appRoles', fromGroups: [{ name: 'Admins', value: 'Admin' }] }), true],
    ['memberOf() in an expression', rules({ id: 't', target: 'title', expr: 'if(memberOf("Leads"), "Lead", "Member")' }), true],
    ['groups() in a pipe step', rules({ id: 't', target: 'title', from: 'title', pipe: [{ expr: 'join(groups(), ",")' }] }), true],
    ['an assignment conditioned on groups', { rules: [], assignments: [{ id: 'a', when: 'groups[display eq "Legal"]', set: { title: 'Counsel' } }] }, true],
    ['an assignment on other attributes', { rules: [], assignments: [{ id: 'a', when: 'title eq "x"', set: { title: 'Counsel' } }] }, false],
  ])('%s', (_name, definition, expected) => {
    expect(readsGroups(definition)).toBe(expected);
  });
});
