/**
 * Each dialect preset against what the IdPs send (../shared/design/scim-clients.md section 3), in the
 * stored form: canonical names, extension blocks under their URN, manager as {value}, absent values
 * (null, "", []), readOnly attributes (meta, groups) and Okta's password dropped, Entra's "False" a boolean.
 */
import { applyMapping, type MappingResult } from '../../../src/domain/mapping/apply-mapping';
import { compileMappingSet } from '../../../src/domain/mapping/compile-mapping-set';
import { checkDomainSchema } from '../../../src/domain/mapping/domain-schema';
import type { DomainValue } from '../../../src/domain/mapping/mapping-values';
import type { OptionList } from '../../../src/domain/mapping/option-list';
import {
  createDefaultDomainSchema,
  createDefaultOptionLists,
  createPresetMappingSet,
  customSchemaUrnFor,
  DEFAULT_ROLES,
} from '../../../src/domain/mapping/presets';
import type { Dialect } from '../../../src/domain/tenants/tenant';
import { CORE_USER, ENTERPRISE } from './mapping-fixtures';

const CUSTOM = customSchemaUrnFor('acme');
const schema = createDefaultDomainSchema(CUSTOM);

/** Entra "Create user" (tutorial), as stored. */
const ENTRA_CREATE = {
  schemas: [CORE_USER, ENTERPRISE],
  externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
  userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
  active: true,
  emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com' }],
  name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
};

/** Entra "Example 2" (nulls and a malformed extension URN dropped). */
const ENTRA_JYOUNG = {
  schemas: [CORE_USER],
  externalId: 'jyoung',
  userName: 'jyoung@testuser.com',
  active: true,
  displayName: 'Joy Young',
  emails: [{ type: 'work', value: 'jyoung@Contoso.com', primary: true }],
  name: { familyName: 'Young', givenName: 'Joy' },
};

/** Entra as Tomorro's guide configures it (userType carries the role), after its PATCHes: disable ("False"), manager (array), employeeNumber. */
const ENTRA_TOMORRO_AFTER_PATCH = {
  ...ENTRA_JYOUNG,
  schemas: [CORE_USER, ENTERPRISE, CUSTOM],
  userType: 'manager',
  active: false,
  [ENTERPRISE]: { employeeNumber: 'Eqpj', department: ' Legal ', manager: { value: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee' } },
  [CUSTOM]: { region: 'europe', businessUnit: 'Nordics' },
};

/** Okta create (password and the empty groups list dropped). */
const OKTA_CREATE = {
  schemas: [CORE_USER],
  userName: 'test.user@okta.local',
  name: { givenName: 'Test', familyName: 'User' },
  emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
  displayName: 'Test User',
  locale: 'en-US',
  externalId: '00ujl29u0le5T6Aj10h7',
  active: true,
};

/** OneLogin "typical Enterprise template" with the unset parameters ("") dropped. */
const ONELOGIN_ENTERPRISE = {
  schemas: [CORE_USER, ENTERPRISE],
  userName: 'jane.doe@acme.io',
  name: { familyName: 'Doe', givenName: 'Jane' },
  title: 'manager',
  emails: [{ value: 'jane.doe@acme.io', type: 'work', primary: true }],
  addresses: [{ locality: 'Berlin', region: 'BE', country: 'DE' }],
  [ENTERPRISE]: { organization: 'Acme', department: 'Legal', manager: { value: 'ol-77' } },
};

/** Tomorro's OneLogin template: the role travels in userType ("userType": "{$user.title}"). */
const ONELOGIN_TOMORRO = {
  schemas: [CORE_USER],
  userName: 'admin.person@acme.io',
  userType: 'admin',
  name: { givenName: 'Ada', familyName: 'Min' },
};

function apply(dialect: Dialect, raw: Record<string, unknown>, optionLists: OptionList[] = createDefaultOptionLists(), isCreate = true): MappingResult {
  const compiled = compileMappingSet(createPresetMappingSet(dialect, CUSTOM), schema, optionLists);
  if (!compiled.ok) throw new Error(compiled.errors.map((error) => error.message).join('\n'));
  return applyMapping(compiled.mappingSet, { raw, groups: [], isCreate }, { optionLists, mappingVersion: 1 });
}

function valuesOf(result: MappingResult): Record<string, DomainValue> {
  return Object.fromEntries(Object.entries(result.values).filter(([, mapped]) => mapped.value !== null).map(([key, mapped]) => [key, mapped.value]));
}

describe('presets', () => {
  it('the default schema and lists are valid and match the seeds', () => {
    expect(checkDomainSchema(schema, createDefaultOptionLists())).toEqual([]);
    const fields = Object.fromEntries(schema.fields.map((field) => [field.key, field]));
    expect(fields.businessUnit).toMatchObject({ label: 'Business Unit', type: 'option', optionList: 'businessUnit', scim: { path: `${CUSTOM}:businessUnit` } });
    expect(fields.region).toMatchObject({ label: 'Region', type: 'option', optionList: 'region', scim: { path: `${CUSTOM}:region` } });
    expect(fields.department.scim).toEqual({ path: `${ENTERPRISE}:department` });
    expect(fields.appRoles).toMatchObject({ type: 'enum', multiValued: true, values: ['Admin', 'Manager', 'Contributor', 'Viewer'] });
    expect(DEFAULT_ROLES).toEqual(['Admin', 'Manager', 'Contributor', 'Viewer']);
    expect(fields.department).toMatchObject({ type: 'option', optionList: 'department' });
    expect(createDefaultOptionLists().map((list) => [list.key, list.onUnknown])).toEqual([
      ['department', 'addValue'],
      ['businessUnit', 'addValue'],
      ['region', 'addValue'],
    ]);
    expect(customSchemaUrnFor('acme')).toBe('urn:ietf:params:scim:schemas:extension:acme:2.0:User');
  });

  it.each<Dialect>(['entra', 'okta', 'onelogin', 'generic'])('the %s preset compiles without errors or warnings', (dialect) => {
    const result = compileMappingSet(createPresetMappingSet(dialect, CUSTOM), schema, createDefaultOptionLists());
    expect(result.ok && result.warnings).toEqual([]);
  });

  describe('entra', () => {
    it("maps the tutorial's create: email from the work address when userName is no address, role defaulted", () => {
      const result = apply('entra', ENTRA_CREATE);
      expect(result.errors).toEqual([]);
      expect(valuesOf(result)).toEqual({
        email: 'test_user_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com',
        externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
        givenName: 'givenName',
        familyName: 'familyName',
        displayName: 'givenName familyName',
        active: true,
        appRoles: ['Viewer'],
      });
    });

    it('maps Example 2: userName is the email', () => {
      expect(valuesOf(apply('entra', ENTRA_JYOUNG))).toEqual({
        email: 'jyoung@testuser.com',
        externalId: 'jyoung',
        givenName: 'Joy',
        familyName: 'Young',
        displayName: 'Joy Young',
        active: true,
        appRoles: ['Viewer'],
      });
    });

    it("maps Tomorro's setup after Entra's PATCHes: role from userType, enterprise fields, list fields", () => {
      const result = apply('entra', ENTRA_TOMORRO_AFTER_PATCH, [
        { key: 'department', values: [], onUnknown: 'addValue' },
        { key: 'businessUnit', values: [], onUnknown: 'addValue' },
        { key: 'region', values: [{ value: 'Europe' }], onUnknown: 'addValue' },
      ]);
      expect(result.errors).toEqual([]);
      expect(valuesOf(result)).toMatchObject({
        active: false,
        userType: 'manager',
        appRoles: ['Manager'],
        department: 'Legal',
        employeeNumber: 'Eqpj',
        manager: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
        region: 'Europe',
        businessUnit: 'Nordics',
      });
      expect(result.optionAdditions).toEqual([
        { list: 'department', value: 'Legal', ruleId: 'department', field: 'department' },
        { list: 'businessUnit', value: 'Nordics', ruleId: 'businessUnit', field: 'businessUnit' },
      ]);
      expect(result.values.appRoles?.provenance).toEqual({ ruleId: 'role', mappingVersion: 1, sourcePath: 'userType', rawValue: 'manager' });
    });

    it.each<[string, string]>([
      ['admin', 'Admin'],
      ['manager', 'Manager'],
      ['user', 'Contributor'],
      ['viewer', 'Viewer'],
    ])("maps the seeds' role table: userType %s -> %s", (userType, role) => {
      expect(apply('entra', { ...ENTRA_JYOUNG, userType }).values.appRoles?.value).toEqual([role]);
    });
  });

  describe('okta', () => {
    it('maps the create request', () => {
      const result = apply('okta', OKTA_CREATE);
      expect(result.errors).toEqual([]);
      expect(valuesOf(result)).toEqual({
        email: 'test.user@okta.local',
        externalId: '00ujl29u0le5T6Aj10h7',
        givenName: 'Test',
        familyName: 'User',
        displayName: 'Test User',
        active: true,
        appRoles: ['Viewer'],
      });
    });

    it('maps a deactivation sent as PUT with active false', () => {
      expect(apply('okta', { ...OKTA_CREATE, active: false }, undefined, false).values.active?.value).toBe(false);
    });
  });

  describe('onelogin', () => {
    it('maps the Enterprise template: role from title', () => {
      const result = apply('onelogin', ONELOGIN_ENTERPRISE);
      expect(result.errors).toEqual([]);
      expect(valuesOf(result)).toEqual({
        email: 'jane.doe@acme.io',
        givenName: 'Jane',
        familyName: 'Doe',
        displayName: 'Jane Doe',
        active: true,
        title: 'manager',
        department: 'Legal',
        organization: 'Acme',
        manager: 'ol-77',
        appRoles: ['Manager'],
      });
    });

    it("maps Tomorro's template, which sends the title in userType", () => {
      expect(apply('onelogin', ONELOGIN_TOMORRO).values.appRoles?.value).toEqual(['Admin']);
    });

    it('gives a job title that is no role the default role', () => {
      expect(apply('onelogin', { ...ONELOGIN_ENTERPRISE, title: 'Senior Counsel' }).values.appRoles?.value).toEqual(['Viewer']);
    });
  });

  describe('generic (the default for a new tenant)', () => {
    it.each<[string, Record<string, unknown>, string]>([
      ['userType', { ...OKTA_CREATE, userType: 'User' }, 'Contributor'],
      ['title when there is no userType', ONELOGIN_ENTERPRISE, 'Manager'],
      ['userType before title', { ...ONELOGIN_ENTERPRISE, userType: 'admin' }, 'Admin'],
      ['the default without either', OKTA_CREATE, 'Viewer'],
    ])('takes the role from %s', (_name, raw, role) => {
      expect(apply('generic', raw).values.appRoles?.value).toEqual([role]);
    });

    it('adds a Region value that is new and matches one that differs only in case (ITONICS)', () => {
      const lists: OptionList[] = [
        { key: 'businessUnit', values: [{ value: 'IT' }], onUnknown: 'addValue' },
        { key: 'region', values: [{ value: 'Europe' }], onUnknown: 'addValue' },
      ];
      const known = apply('generic', { ...OKTA_CREATE, [CUSTOM]: { region: 'EUROPE', businessUnit: 'it' } }, lists);
      expect(valuesOf(known)).toMatchObject({ region: 'Europe', businessUnit: 'IT' });
      expect(known.optionAdditions).toEqual([]);
      const added = apply('generic', { ...OKTA_CREATE, [CUSTOM]: { region: 'Nordics' } }, lists);
      expect(added.values.region?.value).toBe('Nordics');
      expect(added.optionAdditions).toEqual([{ list: 'region', value: 'Nordics', ruleId: 'region', field: 'region' }]);
    });

    it('never fails on an odd userName: the email is simply not set', () => {
      const result = apply('generic', { schemas: [CORE_USER], userName: 'not-an-address' });
      expect(result.errors).toEqual([]);
      expect(result.values.email?.value).toBeNull();
    });
  });
});
