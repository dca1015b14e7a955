import { expectDomainError } from '../../support/domain-errors';
import { normalizeResource, normalizeValue, type JsonObject } from '../../../src/scim/protocol/normalize-resource';
import {
  CORE_GROUP_SCHEMA,
  CORE_USER_SCHEMA,
  ENTERPRISE_USER_SCHEMA,
  ENTERPRISE_USER_SCHEMA_DEFINITION,
  GROUP_SCHEMA,
  USER_SCHEMA,
  createDefaultSchemaRegistry,
  type AttributeDefinition,
  type SchemaDefinition,
} from '../../../src/scim/protocol/schema-definitions';

const registry = createDefaultSchemaRegistry();

function definitionOf(schema: SchemaDefinition, name: string): AttributeDefinition {
  const found = schema.attributes.find((attribute) => attribute.name === name);
  if (!found) throw new Error(`no attribute ${name}`);
  return found;
}

const active = definitionOf(USER_SCHEMA, 'active');
const userName = definitionOf(USER_SCHEMA, 'userName');
const name = definitionOf(USER_SCHEMA, 'name');
const emails = definitionOf(USER_SCHEMA, 'emails');
const addresses = definitionOf(USER_SCHEMA, 'addresses');
const manager = definitionOf(ENTERPRISE_USER_SCHEMA_DEFINITION, 'manager');
const members = definitionOf(GROUP_SCHEMA, 'members');

describe('normalizeValue', () => {
  it.each<[string, AttributeDefinition, unknown, unknown]>([
    ['boolean true', active, true, true],
    ['Entra "True"', active, 'True', true],
    ['Entra "False"', active, 'False', false],
    ['"true"', active, 'true', true],
    ['"false"', active, 'false', false],
    ['"TRUE" in any case', active, 'TRUE', true],
    ['null is absent', active, null, undefined],
    ['"" is absent (OneLogin unset parameter)', active, '', undefined],
    ['string kept exactly as sent', userName, '  Alice@Example.COM ', '  Alice@Example.COM '],
    ['"" string is absent', userName, '', undefined],
    ['complex with canonical sub-attribute names', name, { FamilyName: 'Jensen', givenname: 'Barbara' }, { familyName: 'Jensen', givenName: 'Barbara' }],
    ['unknown sub-attributes dropped', name, { familyName: 'Jensen', nickname: 'Babs' }, { familyName: 'Jensen' }],
    ['null sub-attributes dropped', name, { familyName: 'OMalley', honorificPrefix: null, honorificSuffix: null }, { familyName: 'OMalley' }],
    ['complex left empty is absent', name, { honorificPrefix: null, middleName: '' }, undefined],
    [
      'multi-valued: capitalised "Primary" and string booleans',
      emails,
      [{ Primary: 'True', Type: 'work', Value: 'a@x' }, { primary: 'false', type: 'home', value: 'b@x' }],
      [{ primary: true, type: 'work', value: 'a@x' }, { primary: false, type: 'home', value: 'b@x' }],
    ],
    ['multi-valued: a single object is wrapped', emails, { value: 'a@x', type: 'work' }, [{ value: 'a@x', type: 'work' }]],
    ['multi-valued: a bare string is the value', emails, 'a@x', [{ value: 'a@x' }]],
    ['multi-valued: null elements dropped', emails, [null, { value: 'a@x' }, ''], [{ value: 'a@x' }]],
    ['multi-valued: [] is absent', emails, [], undefined],
    [
      'multi-valued: an element of nulls is dropped (Microsoft collection addresses)',
      addresses,
      [{ country: null, locality: null, type: 'other' }, { country: null, locality: null }],
      [{ type: 'other' }],
    ],
    ['manager as a bare id (Entra inbound)', manager, 'm-1', { value: 'm-1' }],
    ['manager as {value}', manager, { value: 'm-1' }, { value: 'm-1' }],
    ['manager as {"Value"} (Microsoft collection)', manager, { Value: 'SuzzyQ' }, { value: 'SuzzyQ' }],
    ['manager as [{$ref, value}] (Entra PATCH)', manager, [{ $ref: 'https://h/Users/m-1', value: 'm-1' }], { $ref: 'https://h/Users/m-1', value: 'm-1' }],
    ['manager with displayName kept', manager, { value: 'm-1', displayName: 'Boss' }, { value: 'm-1', displayName: 'Boss' }],
    ['manager extra managerId key dropped', manager, { value: 'm-1', managerId: 'other' }, { value: 'm-1' }],
    ['manager id only as managerId (OneLogin template)', manager, { managerId: 'm-1' }, { value: 'm-1' }],
    ['manager [] is absent', manager, [], undefined],
    ['manager with "" value and no name is absent', manager, { value: '', displayName: '' }, undefined],
    ['member as a bare id', members, 'u-1', [{ value: 'u-1' }]],
    ['member list of bare ids', members, ['u-1', 'u-2'], [{ value: 'u-1' }, { value: 'u-2' }]],
    ['member displayName read as display (Microsoft collection)', members, [{ displayName: 'new User', value: 'u-4' }], [{ display: 'new User', value: 'u-4' }]],
    ['member display wins over displayName', members, [{ display: 'A', displayName: 'B', value: 'u-4' }], [{ display: 'A', value: 'u-4' }]],
    ['member $ref null and extra keys dropped', members, [{ $ref: null, value: 'u-1', name: 'x' }], [{ value: 'u-1' }]],
    ['member type optional (Okta)', members, [{ value: 'u-1', display: 'a@okta.local' }], [{ value: 'u-1', display: 'a@okta.local' }]],
    ['member type canonicalised', members, [{ value: 'g-1', type: 'group' }], [{ value: 'g-1', type: 'Group' }]],
    ['member $ref kept', members, { value: 'u-1', $ref: 'https://h/Users/u-1' }, [{ value: 'u-1', $ref: 'https://h/Users/u-1' }]],
  ])('%s', (_label, definition, input, expected) => {
    expect(normalizeValue(definition, input, definition.name)).toEqual(expected);
  });

  it.each<[string, AttributeDefinition, unknown, string]>([
    ['"yes" for a boolean', active, 'yes', "Attribute 'active' must be a boolean"],
    ['a number for a boolean', active, 1, "Attribute 'active' must be a boolean"],
    ['a number for a string', userName, 42, "Attribute 'userName' must be a string; got 42"],
    ['an object for a string', userName, { value: 'x' }, "Attribute 'userName' must be a string; got an object"],
    ['an array for a string', userName, ['x'], "Attribute 'userName' must be a string; got an array"],
    ['a string for a complex without value', name, 'Barbara Jensen', "Attribute 'name' must be an object"],
    ['a wrong sub-attribute type, named by index', emails, [{ value: 'a@x' }, { value: 'b@x', primary: 'yes' }], "Attribute 'emails[1].primary' must be a boolean"],
    ['a number as an email', emails, [{ value: 7 }], "Attribute 'emails[0].value' must be a string"],
    ['two managers', manager, [{ value: 'a' }, { value: 'b' }], "Attribute 'manager' must be a single object"],
    ['a number as a manager', manager, 5, "Attribute 'manager' must be an object"],
    ['a member without a value', members, [{ display: 'Nobody' }], "Attribute 'members[0].value' (the member id) is required"],
    ['a numeric member id', members, [{ value: 12 }], "Attribute 'members[0].value' must be a string"],
    ['an unknown member type', members, [{ value: 'u-1', type: 'robot' }], "Attribute 'members[0].type' must be one of User, Group"],
  ])('rejects %s with INVALID_INPUT naming the attribute', (_label, definition, input, message) => {
    expectDomainError(() => normalizeValue(definition, input, definition.name), 'INVALID_INPUT', message);
  });

  it('names the path it is given', () => {
    expectDomainError(
      () => normalizeValue(active, 'nope', 'urn:x:active'),
      'INVALID_INPUT',
      "Attribute 'urn:x:active' must be a boolean (true or false); got \"nope\"",
    );
  });
});

describe('normalizeResource', () => {
  const microsoftPostUser = {
    userName: 'UserName123',
    active: true,
    displayName: 'BobIsAmazing',
    schemas: [CORE_USER_SCHEMA],
    externalId: '${__UUID}',
    name: { formatted: 'Ryan Leenay', familyName: 'Leenay', givenName: 'Ryan' },
    emails: [
      { Primary: true, type: 'work', value: 'testing@bob.com' },
      { Primary: false, type: 'home', value: 'testinghome@bob.com' },
    ],
  };

  it.each<[string, 'User' | 'Group', unknown, JsonObject]>([
    [
      'Microsoft collection Post User ("Primary")',
      'User',
      microsoftPostUser,
      {
        schemas: [CORE_USER_SCHEMA],
        userName: 'UserName123',
        active: true,
        displayName: 'BobIsAmazing',
        externalId: '${__UUID}',
        name: { formatted: 'Ryan Leenay', familyName: 'Leenay', givenName: 'Ryan' },
        emails: [
          { primary: true, type: 'work', value: 'testing@bob.com' },
          { primary: false, type: 'home', value: 'testinghome@bob.com' },
        ],
      },
    ],
    [
      'Microsoft collection Post EnterpriseUser ({"Department","Manager":{"Value"}})',
      'User',
      {
        userName: 'UserName222',
        schemas: [ENTERPRISE_USER_SCHEMA, CORE_USER_SCHEMA],
        [ENTERPRISE_USER_SCHEMA]: { Department: 'bob', Manager: { Value: 'SuzzyQ' } },
      },
      {
        schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        userName: 'UserName222',
        [ENTERPRISE_USER_SCHEMA]: { department: 'bob', manager: { value: 'SuzzyQ' } },
      },
    ],
    [
      'case-insensitive attribute names (UserName, DisplayName, Emails, name.FamilyName)',
      'User',
      { UserName: 'u1', DisplayName: 'D', Emails: [{ Value: 'a@x' }], Name: { FamilyName: 'F' }, ExternalID: 'e1', Active: 'False' },
      { schemas: [CORE_USER_SCHEMA], userName: 'u1', displayName: 'D', emails: [{ value: 'a@x' }], name: { familyName: 'F' }, externalId: 'e1', active: false },
    ],
    [
      'Entra create user (3.1): meta dropped, roles [] absent',
      'User',
      {
        schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
        userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
        active: true,
        emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com' }],
        meta: { resourceType: 'User' },
        name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
        roles: [],
      },
      {
        schemas: [CORE_USER_SCHEMA],
        externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
        userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
        active: true,
        emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com' }],
        name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      },
    ],
    [
      'Entra create user Example 2: nulls, malformed URN, top-level department/manager dropped',
      'User',
      {
        schemas: [CORE_USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'],
        externalId: 'jyoung',
        userName: 'jyoung@testuser.com',
        active: true,
        addresses: null,
        displayName: 'Joy Young',
        emails: [{ type: 'work', value: 'jyoung@Contoso.com', primary: true }],
        meta: { resourceType: 'User' },
        name: { familyName: 'Young', givenName: 'Joy' },
        phoneNumbers: null,
        preferredLanguage: null,
        title: null,
        department: null,
        manager: null,
      },
      {
        schemas: [CORE_USER_SCHEMA],
        externalId: 'jyoung',
        userName: 'jyoung@testuser.com',
        active: true,
        displayName: 'Joy Young',
        emails: [{ type: 'work', value: 'jyoung@Contoso.com', primary: true }],
        name: { familyName: 'Young', givenName: 'Joy' },
      },
    ],
    [
      'Okta create user (3.2): password and groups dropped',
      'User',
      {
        schemas: [CORE_USER_SCHEMA],
        userName: 'test.user@okta.local',
        name: { givenName: 'Test', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
        displayName: 'Test User',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        groups: [],
        password: '1mz050nq',
        active: true,
      },
      {
        schemas: [CORE_USER_SCHEMA],
        userName: 'test.user@okta.local',
        name: { givenName: 'Test', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
        displayName: 'Test User',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        active: true,
      },
    ],
    [
      'Okta PUT body: id, meta, groups dropped; middleName "" absent',
      'User',
      {
        schemas: [CORE_USER_SCHEMA],
        id: 'u-1',
        userName: 'test.user@okta.local',
        name: { givenName: 'Test', middleName: '', familyName: 'User' },
        groups: [{ value: 'g-1', display: 'G' }],
        meta: { resourceType: 'User', created: '2024-01-01T00:00:00Z' },
        active: false,
      },
      { schemas: [CORE_USER_SCHEMA], userName: 'test.user@okta.local', name: { givenName: 'Test', familyName: 'User' }, active: false },
    ],
    [
      'OneLogin Enterprise template, parameters filled, active as a string, id null',
      'User',
      {
        schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        id: null,
        meta: { resourceType: 'User' },
        userName: 'jdoe@example.com',
        active: 'true',
        name: { familyName: 'Doe', givenName: 'Jane' },
        title: 'Engineer',
        userType: 'Employee',
        timezone: 'Europe/Berlin',
        emails: [{ value: 'jdoe@example.com', type: 'work', primary: true }],
        addresses: [{ locality: 'Berlin', region: 'BE', country: 'DE' }],
        [ENTERPRISE_USER_SCHEMA]: {
          organization: 'Acme',
          division: 'R&D',
          department: 'Platform',
          manager: { value: 'm-1', displayName: 'Max Boss' },
        },
      },
      {
        schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        userName: 'jdoe@example.com',
        active: true,
        name: { familyName: 'Doe', givenName: 'Jane' },
        title: 'Engineer',
        userType: 'Employee',
        timezone: 'Europe/Berlin',
        emails: [{ value: 'jdoe@example.com', type: 'work', primary: true }],
        addresses: [{ locality: 'Berlin', region: 'BE', country: 'DE' }],
        [ENTERPRISE_USER_SCHEMA]: {
          organization: 'Acme',
          division: 'R&D',
          department: 'Platform',
          manager: { value: 'm-1', displayName: 'Max Boss' },
        },
      },
    ],
    [
      'OneLogin Enterprise template, parameters unset ("" is absent; empty extension omitted)',
      'User',
      {
        schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        userName: 'jdoe@example.com',
        name: { familyName: 'Doe', givenName: 'Jane' },
        title: '',
        userType: '',
        timezone: '',
        emails: [{ value: 'jdoe@example.com', type: 'work', primary: true }],
        addresses: [{ locality: '', region: '', country: '' }],
        [ENTERPRISE_USER_SCHEMA]: { organization: '', division: '', department: '', manager: { value: '', displayName: '' } },
      },
      {
        schemas: [CORE_USER_SCHEMA],
        userName: 'jdoe@example.com',
        name: { familyName: 'Doe', givenName: 'Jane' },
        emails: [{ value: 'jdoe@example.com', type: 'work', primary: true }],
      },
    ],
    [
      'Microsoft collection PUT with misspelled "adreses" (ignored)',
      'User',
      { id: 'u-1', userName: 'OMalley', active: false, adreses: [{ country: 'Germany' }], schemas: [CORE_USER_SCHEMA] },
      { schemas: [CORE_USER_SCHEMA], userName: 'OMalley', active: false },
    ],
    [
      'enterprise URN key in another case and an unknown extension block',
      'User',
      {
        userName: 'u1',
        'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER': { EmployeeNumber: '42' },
        'urn:example:unknown:2.0:User': { shoeSize: 44 },
      },
      { schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA], userName: 'u1', [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '42' } },
    ],
    [
      'undeclared attributes inside a declared extension are kept as sent',
      'User',
      { userName: 'u1', [ENTERPRISE_USER_SCHEMA]: { department: 'Sales', badge: { number: 7 }, floor: 3, gone: null } },
      {
        schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        userName: 'u1',
        [ENTERPRISE_USER_SCHEMA]: { department: 'Sales', badge: { number: 7 }, floor: 3 },
      },
    ],
    [
      'Entra create group: extra Microsoft schema URN and meta dropped',
      'Group',
      {
        schemas: [CORE_GROUP_SCHEMA, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'displayName',
        meta: { resourceType: 'Group' },
      },
      { schemas: [CORE_GROUP_SCHEMA], externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'displayName' },
    ],
    [
      'Okta create group with members [] (no members)',
      'Group',
      { schemas: [CORE_GROUP_SCHEMA], displayName: 'Test SCIMv2', members: [] },
      { schemas: [CORE_GROUP_SCHEMA], displayName: 'Test SCIMv2' },
    ],
    [
      'Microsoft collection PUT group: members kept for the service, id dropped',
      'Group',
      {
        schemas: [CORE_GROUP_SCHEMA],
        id: 'g-3',
        displayName: 'putName',
        members: [{ value: 'u-3', display: 'VP' }, { value: 'u-4', displayName: 'SenorVP' }],
      },
      { schemas: [CORE_GROUP_SCHEMA], displayName: 'putName', members: [{ value: 'u-3', display: 'VP' }, { value: 'u-4', display: 'SenorVP' }] },
    ],
    [
      'a Group ignores User attributes',
      'Group',
      { displayName: 'G', userName: 'nope', [ENTERPRISE_USER_SCHEMA]: { department: 'x' } },
      { schemas: [CORE_GROUP_SCHEMA], displayName: 'G' },
    ],
  ])('%s', (_label, resourceType, body, expected) => {
    expect(normalizeResource(registry, resourceType, body)).toEqual(expected);
  });

  it('keeps strings exactly as sent (no trimming, no case change)', () => {
    const result = normalizeResource(registry, 'User', { userName: ' Alice@X ', displayName: 'ÅSA  ' });
    expect(result.userName).toBe(' Alice@X ');
    expect(result.displayName).toBe('ÅSA  ');
  });

  it('lists the core URN first, whatever order the client used', () => {
    const result = normalizeResource(registry, 'User', {
      schemas: [ENTERPRISE_USER_SCHEMA, CORE_USER_SCHEMA],
      userName: 'u1',
      [ENTERPRISE_USER_SCHEMA]: { department: 'Sales' },
    });
    expect(result.schemas).toEqual([CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
  });

  it('normalises a declared custom extension and keeps its undeclared attributes', () => {
    const custom: SchemaDefinition = {
      id: 'urn:example:acme:2.0:User',
      name: 'AcmeUser',
      description: 'Acme',
      attributes: [{ ...active, name: 'contractor' }],
    };
    const customRegistry = createDefaultSchemaRegistry([custom]);
    const result = normalizeResource(customRegistry, 'User', {
      userName: 'u1',
      'urn:example:acme:2.0:user': { Contractor: 'True', costCode: 'X1' },
    });
    expect(result).toEqual({
      schemas: [CORE_USER_SCHEMA, 'urn:example:acme:2.0:User'],
      userName: 'u1',
      'urn:example:acme:2.0:User': { contractor: true, costCode: 'X1' },
    });
  });

  it.each<[string, unknown]>([
    ['an array', [{ userName: 'u1' }]],
    ['a string', 'SecureLogin'],
    ['null', null],
    ['a number', 1],
  ])('rejects %s as the body with INVALID_SYNTAX', (_label, body) => {
    expectDomainError(() => normalizeResource(registry, 'User', body), 'INVALID_SYNTAX', 'must be a JSON object');
  });

  it.each<[string, 'User' | 'Group', unknown, string]>([
    ['no userName (Microsoft "Post no username")', 'User', { active: true, displayName: 'Kimberly Baker' }, "Attribute 'userName' is required"],
    ['misspelled "userame" (Microsoft "Put a user no username")', 'User', { userame: 'OMalley' }, "Attribute 'userName' is required"],
    ['userName ""', 'User', { userName: '' }, "Attribute 'userName' is required"],
    ['userName null', 'User', { userName: null }, "Attribute 'userName' is required"],
    ['userName as a number', 'User', { userName: 12 }, "Attribute 'userName' must be a string"],
    ['active "yes"', 'User', { userName: 'u1', active: 'yes' }, "Attribute 'active' must be a boolean"],
    ['a wrong type inside emails', 'User', { userName: 'u1', emails: [{ value: 'a@x', primary: 1 }] }, "Attribute 'emails[0].primary' must be a boolean"],
    ['a wrong type in the enterprise extension', 'User', { userName: 'u1', [ENTERPRISE_USER_SCHEMA]: { department: 5 } }, `Attribute '${ENTERPRISE_USER_SCHEMA}:department' must be a string`],
    ['an enterprise block that is not an object', 'User', { userName: 'u1', [ENTERPRISE_USER_SCHEMA]: 'Sales' }, `Attribute '${ENTERPRISE_USER_SCHEMA}' must be an object`],
    ['no group displayName', 'Group', { members: [] }, "Attribute 'displayName' is required"],
    ['a member without an id', 'Group', { displayName: 'G', members: [{ display: 'x' }] }, "Attribute 'members[0].value' (the member id) is required"],
    [
      'SCIM 1.1 schemas (OneLogin Core v1.1 connector)',
      'User',
      { schemas: ['urn:scim:schemas:core:1.0'], userName: 'u1' },
      'SCIM 1.1 schemas are not supported; use urn:ietf:params:scim:schemas:core:2.0:User',
    ],
  ])('rejects %s with INVALID_INPUT', (_label, resourceType, body, message) => {
    expectDomainError(() => normalizeResource(registry, resourceType, body), 'INVALID_INPUT', message);
  });

  it('does not modify the body', () => {
    const body = structuredClone(microsoftPostUser);
    normalizeResource(registry, 'User', body);
    expect(body).toEqual(microsoftPostUser);
  });
});
