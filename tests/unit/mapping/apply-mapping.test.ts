import { applyMapping, MAX_RULE_STEPS, type MappingInput, type MappingResult } from '../../../src/domain/mapping/apply-mapping';
import { compileMappingSet } from '../../../src/domain/mapping/compile-mapping-set';
import type { DomainSchema } from '../../../src/domain/mapping/domain-schema';
import { DomainError } from '../../../src/domain/errors';
import type { CompiledMappingSet, MappingRuleDefinition, MappingSetDefinition } from '../../../src/domain/mapping/mapping-set';
import type { DomainValue } from '../../../src/domain/mapping/mapping-values';
import type { OptionList } from '../../../src/domain/mapping/option-list';
import { createDefaultDomainSchema, SEED_ROLE_TABLE } from '../../../src/domain/mapping/presets';
import { CUSTOM, ENTERPRISE, GROUPS, RAW_USER } from './mapping-fixtures';

const baseSchema = createDefaultDomainSchema(CUSTOM);
const schema: DomainSchema = {
  ...baseSchema,
  fields: [
    ...baseSchema.fields,
    { key: 'level', label: 'Level', type: 'number', validators: { min: 1, max: 10 } },
    { key: 'remote', label: 'Remote', type: 'boolean' },
    { key: 'startDate', label: 'Start date', type: 'date' },
    { key: 'site', label: 'Site', type: 'option', optionList: 'site' },
    { key: 'skills', label: 'Skills', type: 'option', optionList: 'businessUnit', multiValued: true },
  ],
};
const schemaWithRequired: DomainSchema = { ...schema, fields: [...schema.fields, { key: 'nickname', label: 'Nickname', type: 'text', required: true }] };

const lists: OptionList[] = [
  { key: 'region', values: [{ value: 'Europe', aliases: ['EMEA'] }], onUnknown: 'addValue' },
  { key: 'businessUnit', values: [{ value: 'IT' }, { value: 'Legal' }], onUnknown: 'addValue' },
  { key: 'department', values: [], onUnknown: 'addValue' },
  { key: 'site', values: [{ value: 'Berlin' }, { value: 'Other' }], onUnknown: 'reject' },
];

const ROLE_PIPE = ['trim', { map: { ...SEED_ROLE_TABLE }, default: 'Viewer' }];

function compile(definition: MappingSetDefinition, against: DomainSchema = schema): CompiledMappingSet {
  const result = compileMappingSet(definition, against, lists);
  if (!result.ok) throw new Error(result.errors.map((error) => `${error.path.join('.')}: ${error.message}`).join('\n'));
  return result.mappingSet;
}

function run(rules: MappingRuleDefinition[], input: Partial<MappingInput> = {}, optionLists: OptionList[] = lists, assignments: MappingSetDefinition['assignments'] = []): MappingResult {
  return applyMapping(
    compile({ rules, assignments }),
    { raw: RAW_USER, groups: GROUPS, isCreate: true, ...input },
    { optionLists, mappingVersion: 12 },
  );
}

function valuesOf(result: MappingResult): Record<string, DomainValue> {
  return Object.fromEntries(Object.entries(result.values).map(([key, mapped]) => [key, mapped.value]));
}

describe('applyMapping', () => {
  describe('reads sources', () => {
    it.each<[string, MappingRuleDefinition, DomainValue]>([
      ['a core attribute', { id: 'r', target: 'title', from: 'title' }, 'Senior Engineer'],
      ['a sub-attribute', { id: 'r', target: 'givenName', from: 'name.givenName' }, 'Zoë'],
      ['a value path', { id: 'r', target: 'email', from: 'emails[type eq "work"].value' }, 'Jane.Doe@Acme.com'],
      ['an enterprise URN path', { id: 'r', target: 'department', from: `${ENTERPRISE}:department` }, 'Legal'],
      ["Entra's dotted URN form", { id: 'r', target: 'manager', from: `${ENTERPRISE}.manager` }, 'm-7'],
      ['a custom extension path', { id: 'r', target: 'businessUnit', from: `${CUSTOM}:businessUnit` }, 'IT'],
      ['the first non-empty of several', { id: 'r', target: 'title', from: ['nickName', 'emails[type eq "fax"].value', 'userType'] }, ' Admin '],
      ['an expression', { id: 'r', target: 'displayName', expr: 'collapseWhitespace(src.displayName)' }, 'Zoë Müller'],
      ['a number', { id: 'r', target: 'level', from: `${CUSTOM}:level` }, 7],
      ['a boolean from text', { id: 'r', target: 'remote', from: `${CUSTOM}:remote`, pipe: ['toBool'] }, true],
      ['a date', { id: 'r', target: 'startDate', from: `${CUSTOM}:startDate`, pipe: [{ parseDate: 'dd/MM/yyyy' }] }, '2024-12-31'],
      ['a list for a multi-valued field', { id: 'r', target: 'skills', expr: 'split("it, legal", ",")', pipe: ['trim'] }, ['IT', 'Legal']],
    ])('%s', (_name, rule, expected) => {
      const result = run([rule]);
      expect(result.errors).toEqual([]);
      expect(result.values[rule.target]?.value).toEqual(expected);
    });
  });

  describe('roles from attribute values (the seeds table, case-insensitive, with a default)', () => {
    it.each<[string | undefined, string[]]>([
      ['admin', ['Admin']],
      ['Manager', ['Manager']],
      [' USER ', ['Contributor']],
      ['viewer', ['Viewer']],
      ['Creator', ['Viewer']],
      [undefined, ['Viewer']],
    ])('userType %j -> %j', (userType, roles) => {
      const raw = { ...RAW_USER, userType };
      expect(run([{ id: 'role', target: 'appRoles', from: 'userType', pipe: ROLE_PIPE }], { raw }).values.appRoles?.value).toEqual(roles);
    });

    it('uses tenant vocabulary: renamed roles come from the table', () => {
      const renamed: DomainSchema = {
        ...schema,
        fields: schema.fields.map((field) => (field.key === 'appRoles' ? { ...field, values: ['Admin', 'Creator - Manager', 'Creator - Contributor', 'Viewer'] } : field)),
      };
      const result = compileMappingSet(
        { rules: [{ id: 'role', target: 'appRoles', from: 'userType', pipe: ['trim', { map: { admin: 'Admin', manager: 'Creator - Manager', user: 'Creator - Contributor' }, default: 'Viewer' }] }] },
        renamed,
        lists,
      );
      if (!result.ok) throw new Error(result.errors[0].message);
      const mapped = applyMapping(result.mappingSet, { raw: { ...RAW_USER, userType: 'manager' }, groups: [], isCreate: true }, { optionLists: lists, mappingVersion: 1 });
      expect(mapped.values.appRoles?.value).toEqual(['Creator - Manager']);
    });
  });

  describe('roles from groups', () => {
    const attributeRole: MappingRuleDefinition = { id: 'role', target: 'appRoles', from: 'userType', pipe: ROLE_PIPE, priority: 10 };
    const groupRoles = (mode: 'merge' | 'highestPriority' | 'replace'): MappingRuleDefinition => ({
      id: 'role-groups',
      target: 'appRoles',
      mode,
      fromGroups: [
        { name: 'app-admins', value: 'Admin', priority: 1 },
        { namePattern: '^App-Mgr-', value: 'Manager', priority: 2 },
        { externalId: 'aad-3', value: 'Contributor', priority: 3 },
        { id: 'g-9', value: 'Viewer', priority: 0 },
      ],
    });
    const user = { raw: { ...RAW_USER, userType: 'user' } };

    it.each<['merge' | 'highestPriority' | 'replace', readonly { id: string; externalId: string | null; displayName: string }[], string[]]>([
      ['merge', GROUPS, ['Contributor', 'Admin', 'Manager']],
      ['highestPriority', GROUPS, ['Admin']],
      ['highestPriority', GROUPS.slice(1), ['Manager']],
      ['highestPriority', [], ['Contributor']],
      ['highestPriority', [{ id: 'g-9', externalId: null, displayName: 'Renamed to a UUID' }], ['Viewer']],
      ['replace', GROUPS.slice(1), ['Manager', 'Contributor']],
      ['replace', [], ['Contributor']],
      ['merge', [{ id: 'x', externalId: null, displayName: 'APP-MGR-west' }], ['Contributor', 'Manager']],
    ])('%s with groups %#', (mode, groups, roles) => {
      const result = run([attributeRole, groupRoles(mode)], { ...user, groups });
      expect(result.errors).toEqual([]);
      expect(result.values.appRoles?.value).toEqual(roles);
    });

    it('matches a group by id or externalId, never by a name that merely looks like one', () => {
      const result = run([{ id: 'g', target: 'appRoles', fromGroups: [{ id: 'g-1', value: 'Admin' }] }], { groups: [{ id: 'g-2', externalId: null, displayName: 'g-1' }] });
      expect(result.values.appRoles?.value).toEqual([]);
    });

    it('records which groups granted a value', () => {
      const result = run([attributeRole, groupRoles('highestPriority')], user);
      expect(result.values.appRoles?.provenance).toEqual({ ruleId: 'role-groups', mappingVersion: 12, sourcePath: 'groups', rawValue: ['App-Admins'] });
    });

    it('picks the highest priority within one single-valued group rule', () => {
      const result = run([{ id: 'g', target: 'title', fromGroups: [{ name: 'Legal', value: 'Counsel', priority: 5 }, { name: 'App-Admins', value: 'Administrator', priority: 1 }] }]);
      expect(result.values.title?.value).toBe('Administrator');
    });
  });

  describe('apply modes', () => {
    const rule = (apply: 'always' | 'createOnly' | 'ifEmpty'): MappingRuleDefinition => ({ id: 'r', target: 'title', from: 'title', apply });
    it.each<['always' | 'createOnly' | 'ifEmpty', boolean, DomainValue | undefined, DomainValue | 'absent']>([
      ['always', true, undefined, 'Senior Engineer'],
      ['always', false, 'Old', 'Senior Engineer'],
      ['createOnly', true, undefined, 'Senior Engineer'],
      ['createOnly', false, 'Old', 'absent'],
      ['ifEmpty', false, null, 'Senior Engineer'],
      ['ifEmpty', false, '', 'Senior Engineer'],
      ['ifEmpty', false, 'Old', 'absent'],
    ])('%s (create: %s, stored: %j)', (apply, isCreate, stored, expected) => {
      const result = run([rule(apply)], { isCreate, current: stored === undefined ? {} : { title: stored } });
      expect(result.values.title === undefined ? 'absent' : result.values.title.value).toEqual(expected);
      if (expected === 'absent') expect(result.trace.title?.[0].step).toMatch(/^skipped: apply/);
    });
  });

  describe('null handling', () => {
    const missing = (onNull: string): MappingRuleDefinition => ({ id: 'r', target: 'title', from: 'nickName', onNull: onNull as MappingRuleDefinition['onNull'] });

    it.each<[string, DomainValue | 'absent']>([
      ['clear', null],
      ['keep', 'absent'],
      ['default:Staff', 'Staff'],
    ])('onNull %s', (onNull, expected) => {
      const result = run([missing(onNull)], { isCreate: false, current: { title: 'Old' } });
      expect(result.values.title === undefined ? 'absent' : result.values.title.value).toEqual(expected);
    });

    it('clears by default, recording the clearing rule', () => {
      const result = run([{ id: 'r', target: 'title', from: 'nickName' }]);
      expect(result.values.title).toEqual({ value: null, provenance: { ruleId: 'r', mappingVersion: 12, sourcePath: null, rawValue: null } });
    });

    it('treats "" and [] as absent, as SCIM does', () => {
      const raw = { ...RAW_USER, title: '', nickName: [] };
      expect(run([{ id: 'r', target: 'title', from: ['title', 'nickName'], onNull: 'default:none' }], { raw }).values.title?.value).toBe('none');
    });

    it('clears a multi-valued field to an empty list', () => {
      expect(run([{ id: 'r', target: 'skills', from: 'nickName' }]).values.skills?.value).toEqual([]);
    });

    it("does not let one rule's clear undo another rule's value", () => {
      const result = run([
        { id: 'a', target: 'title', from: 'title' },
        { id: 'b', target: 'title', from: 'nickName', mode: 'replace' },
      ]);
      expect(result.values.title).toMatchObject({ value: 'Senior Engineer', provenance: { ruleId: 'a' } });
    });

    it('runs the pipe on an absent value, so map defaults apply (no Entra Switch-goes-null trap)', () => {
      expect(run([{ id: 'r', target: 'appRoles', from: 'nickName', pipe: ROLE_PIPE }]).values.appRoles?.value).toEqual(['Viewer']);
    });
  });

  describe('combining rules for one field', () => {
    it('a later replace wins when it has a value', () => {
      const result = run([
        { id: 'a', target: 'title', from: 'title' },
        { id: 'b', target: 'title', expr: 'upper(src.userType)', mode: 'replace' },
      ]);
      expect(result.values.title).toMatchObject({ value: ' ADMIN ', provenance: { ruleId: 'b' } });
    });

    it('highestPriority compares priorities across rules; without one a rule ranks last', () => {
      const result = run([
        { id: 'a', target: 'title', from: 'title', priority: 2 },
        { id: 'b', target: 'title', expr: '"Boss"', mode: 'highestPriority', priority: 1 },
        { id: 'c', target: 'title', expr: '"Intern"', mode: 'highestPriority' },
      ]);
      expect(result.values.title).toMatchObject({ value: 'Boss', provenance: { ruleId: 'b' } });
    });

    it('merges multi-valued fields by default, dropping duplicates ignoring case, each element with its provenance', () => {
      const result = run([
        { id: 'a', target: 'appRoles', from: 'userType', pipe: ROLE_PIPE },
        { id: 'b', target: 'appRoles', expr: '["admin", "Viewer"]' },
      ]);
      expect(result.values.appRoles?.value).toEqual(['Admin', 'Viewer']);
      expect(result.values.appRoles?.elementProvenance?.map((provenance) => provenance.ruleId)).toEqual(['a', 'b']);
    });
  });

  describe('option fields', () => {
    it('maps "europe" to the existing "Europe" and adds nothing', () => {
      const result = run([{ id: 'region', target: 'region', from: `${CUSTOM}:region` }]);
      expect(result.values.region?.value).toBe('Europe');
      expect(result.optionAdditions).toEqual([]);
    });

    it('adds "Nordics", reporting the list, value, rule and field', () => {
      const raw = { ...RAW_USER, [CUSTOM]: { region: ' Nordics ' } };
      const result = run([{ id: 'region', target: 'region', from: `${CUSTOM}:region` }], { raw });
      expect(result.values.region?.value).toBe('Nordics');
      expect(result.optionAdditions).toEqual([{ list: 'region', value: 'Nordics', ruleId: 'region', field: 'region' }]);
      expect(result.errors).toEqual([]);
    });

    it('adds a new value once even when several rules or elements bring it', () => {
      const result = run([
        { id: 'a', target: 'skills', expr: '["Data", "DATA", " data "]' },
        { id: 'b', target: 'businessUnit', expr: '"data"' },
      ]);
      expect(result.optionAdditions).toEqual([{ list: 'businessUnit', value: 'Data', ruleId: 'a', field: 'skills' }]);
      expect(valuesOf(result)).toMatchObject({ skills: ['Data'], businessUnit: 'Data' });
    });

    it.each<[OptionList['onUnknown'], DomainValue | 'absent', string | undefined]>([
      ['reject', 'absent', `Field 'site' (Site): "Paris" is not a value of option list 'site' (rule 'site')`],
      ['keepNull', null, undefined],
      ['mapTo:Other', 'Other', undefined],
      ['addValue', 'Paris', undefined],
    ])('policy %s', (onUnknown, expected, error) => {
      const siteList: OptionList = { key: 'site', values: [{ value: 'Berlin' }, { value: 'Other' }], onUnknown };
      const raw = { ...RAW_USER, [CUSTOM]: { site: 'Paris' } };
      const result = run([{ id: 'site', target: 'site', from: `${CUSTOM}:site` }], { raw }, [...lists.filter((list) => list.key !== 'site'), siteList]);
      expect(result.values.site === undefined ? 'absent' : result.values.site.value).toEqual(expected);
      expect(result.errors.map((entry) => entry.message)).toEqual(error === undefined ? [] : [error]);
    });

    it('uses the option lists of the context, which may have grown since compiling', () => {
      const grown = lists.map((list) => (list.key === 'site' ? { ...list, values: [...list.values, { value: 'Paris' }] } : list));
      const raw = { ...RAW_USER, [CUSTOM]: { site: 'paris' } };
      expect(run([{ id: 'site', target: 'site', from: `${CUSTOM}:site` }], { raw }, grown).values.site?.value).toBe('Paris');
    });

    it('resolves optionList() calls in expressions through the same policy', () => {
      const result = run([{ id: 'r', target: 'title', expr: 'optionList("Atlantis", "region")' }]);
      expect(result.values.title?.value).toBe('Atlantis');
      expect(result.optionAdditions).toEqual([{ list: 'region', value: 'Atlantis', ruleId: 'r', field: 'title' }]);
    });
  });

  describe('assignment rules', () => {
    const legal = { id: 'legal', when: 'department eq "legal"', groups: ['legal'], set: { appRoles: 'Manager', businessUnit: 'Legal' } };
    const mapped: MappingRuleDefinition[] = [
      { id: 'department', target: 'department', from: `${ENTERPRISE}:department` },
      { id: 'role', target: 'appRoles', from: 'userType', pipe: ROLE_PIPE },
    ];

    it('grants the group, the role and the organisational unit when the condition holds (the Clumio case)', () => {
      const result = run(mapped, {}, lists, [legal]);
      expect(result.groupGrants).toEqual([{ group: 'legal', ruleId: 'legal' }]);
      expect(valuesOf(result)).toMatchObject({ appRoles: ['Admin', 'Manager'], businessUnit: 'Legal' });
      expect(result.values.businessUnit?.provenance).toEqual({ ruleId: 'legal', mappingVersion: 12, sourcePath: 'department eq "legal"', rawValue: null });
    });

    it('grants nothing when the condition fails', () => {
      const raw = { ...RAW_USER, [ENTERPRISE]: { department: 'Sales' } };
      const result = run(mapped, { raw }, lists, [legal]);
      expect(result.groupGrants).toEqual([]);
      expect(result.values.businessUnit).toBeUndefined();
      expect(result.trace.businessUnit).toEqual([{ ruleId: 'legal', step: 'when department eq "legal"', value: false }]);
    });

    it.each<[string, boolean]>([
      ['appRoles eq "Admin"', true],
      ['title sw "senior" and active eq true', true],
      [`${ENTERPRISE}:costCenter eq "4130"`, true],
      ['emails[type eq "work" and value ew "acme.com"]', true],
      ['groups.display eq "app-admins"', true],
      ['groups[externalId eq "aad-3"]', true],
      ['department pr', true],
      ['region pr', false],
      ['nickName pr', false],
    ])('conditions see mapped values, the raw resource and the groups: %s', (when, holds) => {
      const result = run(mapped, {}, lists, [{ id: 'a', when, groups: ['granted'] }]);
      expect(result.groupGrants.length > 0).toBe(holds);
    });

    it('sees stored values for fields no rule wrote in this evaluation', () => {
      const result = run([], { isCreate: false, current: { region: 'Europe' } }, lists, [{ id: 'a', when: 'region eq "europe"', groups: ['eu'] }]);
      expect(result.groupGrants).toEqual([{ group: 'eu', ruleId: 'a' }]);
    });

    it('can replace a single-valued field and outrank by priority', () => {
      const result = run(
        [{ id: 'title', target: 'title', from: 'title', priority: 5 }],
        {},
        lists,
        [
          { id: 'counsel', when: `${ENTERPRISE}:department eq "Legal"`, set: { title: 'Counsel' }, mode: 'highestPriority', priority: 9 },
          { id: 'lead', when: `${ENTERPRISE}:department eq "Legal"`, set: { title: 'Lead' }, mode: 'highestPriority', priority: 1 },
        ],
      );
      expect(result.values.title).toMatchObject({ value: 'Lead', provenance: { ruleId: 'lead' } });
    });

    it('grants a group once even when several assignments name it', () => {
      const result = run([], {}, lists, [
        { id: 'a', when: 'active eq true', groups: ['Staff'] },
        { id: 'b', when: 'userName pr', groups: ['staff'] },
      ]);
      expect(result.groupGrants).toEqual([{ group: 'Staff', ruleId: 'a' }]);
    });
  });

  describe('errors instead of exceptions', () => {
    it('names the field and the rule of a value that fails validation, and leaves the field out', () => {
      const result = run([{ id: 'lvl', target: 'level', expr: '42' }]);
      expect(result.errors).toEqual([{ field: 'level', ruleId: 'lvl', message: "Field 'level' (Level): 42 is more than the maximum 10 (rule 'lvl')" }]);
      expect(result.values.level).toBeUndefined();
      expect(result.trace.level?.at(-1)).toEqual({ ruleId: 'lvl', step: 'error', value: result.errors[0].message });
    });

    it('reports a value of the wrong type', () => {
      const result = run([{ id: 'r', target: 'level', from: 'title' }]);
      expect(result.errors).toEqual([{ field: 'level', ruleId: 'r', message: `Field 'level' (Level): "Senior Engineer" is not a number (rule 'r')` }]);
    });

    it('reports several values for a single-valued field', () => {
      const result = run([{ id: 'r', target: 'title', from: 'emails.value' }]);
      expect(result.errors[0].message).toContain("Field 'title' (Title) takes one value, but the rule produced 2");
    });

    it('reports a rule that exceeds its budget, and still applies the other rules', () => {
      const raw = { ...RAW_USER, long: 'x'.repeat(1000) };
      const heavy = `regexMatch(src.long, /(x{1,20})*y/)`;
      const result = run([{ id: 'heavy', target: 'remote', expr: heavy }, { id: 'title', target: 'title', from: 'title' }], { raw });
      expect(result.errors).toEqual([
        {
          field: 'remote',
          ruleId: 'heavy',
          message: `Rule 'heavy' could not compute field 'remote': expr: regexMatch: evaluation needs more than its budget of ${MAX_RULE_STEPS} steps (at offset 0)`,
        },
      ]);
      expect(result.values.title?.value).toBe('Senior Engineer');
      expect(result.stepsUsed).toBeGreaterThan(MAX_RULE_STEPS);
    });

    it('says which pipe step failed and where in its expression', () => {
      const raw = { ...RAW_USER, long: 'x'.repeat(2_000) };
      const result = run([{ id: 'r', target: 'title', from: 'long', pipe: ['trim', { expr: 'regexReplace(value, /x/, "y")' }] }], { raw });
      expect(result.errors.map((error) => error.message)).toEqual([
        "Rule 'r' could not compute field 'title': pipe step 2 (expr): regexReplace: the text is longer than 1024 characters, the limit for regular expressions (at offset 0)",
      ]);
    });

    describe('required fields', () => {
      const runRequired = (rules: MappingRuleDefinition[], input: Partial<MappingInput>): MappingResult =>
        applyMapping(compile({ rules }, schemaWithRequired), { raw: RAW_USER, groups: [], isCreate: true, ...input }, { optionLists: lists, mappingVersion: 1 });

      it('reports a required field no rule filled', () => {
        const result = runRequired([{ id: 'nick', target: 'nickname', from: 'nickName' }], {});
        expect(result.errors).toEqual([{ field: 'nickname', ruleId: 'nick', message: "Field 'nickname' is required, but rule 'nick' produced no value" }]);
        expect(result.values.nickname).toBeUndefined();
      });

      it('accepts a required field that is already stored, and refuses it on create', () => {
        expect(runRequired([], { isCreate: false, current: { nickname: 'Jo' } }).errors).toEqual([]);
        expect(runRequired([], { isCreate: true }).errors).toEqual([{ field: 'nickname', ruleId: null, message: "Field 'nickname' is required, but no rule writes it" }]);
      });
    });

    it('throws DomainError only for misuse', () => {
      const compiled = compile({ rules: [] });
      const context = { optionLists: lists, mappingVersion: 1 };
      expect(() => applyMapping({} as CompiledMappingSet, { raw: {}, groups: [], isCreate: true }, context)).toThrow(DomainError);
      expect(() => applyMapping(compiled, { raw: [] as unknown as Record<string, unknown>, groups: [], isCreate: true }, context)).toThrow('input.raw must be the SCIM resource object');
      expect(() => applyMapping(compiled, { raw: {}, groups: 'g' as unknown as [], isCreate: true }, context)).toThrow('input.groups must be a list');
      expect(() => applyMapping(compiled, { raw: {}, groups: [], isCreate: true }, { optionLists: lists, mappingVersion: Number.NaN })).toThrow('mappingVersion');
    });
  });

  describe('provenance and trace', () => {
    it('records rule, mapping version, source path and raw value', () => {
      const result = run([{ id: 'email', target: 'email', from: ['nickName', 'userName'], pipe: ['trim', 'lower'] }]);
      expect(result.values.email).toEqual({
        value: 'jane.doe@acme.com',
        provenance: { ruleId: 'email', mappingVersion: 12, sourcePath: 'userName', rawValue: 'Jane.Doe@Acme.com' },
      });
    });

    it('records the paths an expression read', () => {
      const result = run([{ id: 'name', target: 'displayName', expr: 'join([src.name.givenName, src.name.familyName], " ")' }]);
      expect(result.values.displayName?.provenance).toEqual({
        ruleId: 'name',
        mappingVersion: 12,
        sourcePath: 'src.name.givenName, src.name.familyName',
        rawValue: { 'src.name.givenName': 'Zoë', 'src.name.familyName': 'Müller-Lüdenscheidt' },
      });
    });

    it('explains each step: rule -> step -> intermediate value', () => {
      const result = run([{ id: 'role', target: 'appRoles', from: ['nickName', 'userType'], pipe: ROLE_PIPE }]);
      expect(result.trace.appRoles).toEqual([
        { ruleId: 'role', step: 'from userType', value: ' Admin ' },
        { ruleId: 'role', step: 'trim', value: 'Admin' },
        { ruleId: 'role', step: 'map', value: 'Admin' },
        { ruleId: 'role', step: 'combine merge', value: ['Admin'] },
      ]);
    });

    it('explains option resolution and null policies', () => {
      const result = run([
        { id: 'region', target: 'region', from: `${CUSTOM}:region` },
        { id: 'title', target: 'title', from: 'nickName', onNull: 'keep' },
      ]);
      expect(result.trace.region).toContainEqual({ ruleId: 'region', step: 'optionList region (matched)', value: 'Europe' });
      expect(result.trace.title).toEqual([
        { ruleId: 'title', step: 'from: none of nickName has a value', value: null },
        { ruleId: 'title', step: 'onNull keep: the stored value stays', value: null },
      ]);
    });

    it('is deterministic', () => {
      const rules: MappingRuleDefinition[] = [
        { id: 'role', target: 'appRoles', from: 'userType', pipe: ROLE_PIPE },
        { id: 'groups', target: 'appRoles', fromGroups: [{ namePattern: '^App-', value: 'Manager' }] },
        { id: 'region', target: 'region', expr: 'optionList("Nordics", "region")' },
      ];
      expect(run(rules)).toEqual(run(rules));
    });
  });
});
