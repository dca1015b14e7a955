import { expectDomainError } from '../../support/domain-errors';
import type { ErrorCode } from '../../../src/domain/errors';
import { applyPatch, membersAddedOnly, parsePatchRequest, type MemberOperation, type PatchOperation } from '../../../src/scim/protocol/apply-patch';
import type { JsonObject } from '../../../src/scim/protocol/normalize-resource';
import { parseAttributePath, type ParsedAttributePath } from '../../../src/domain/filter/attribute-path';
import {
  CORE_GROUP_SCHEMA,
  CORE_USER_SCHEMA,
  ENTERPRISE_USER_SCHEMA,
  PATCH_OP_SCHEMA,
  createDefaultSchemaRegistry,
} from '../../../src/scim/protocol/schema-definitions';

const STANDARD_URNS = [CORE_USER_SCHEMA, CORE_GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA];
const registry = createDefaultSchemaRegistry();
const ENT = ENTERPRISE_USER_SCHEMA;

function body(...operations: unknown[]): JsonObject {
  return { schemas: [PATCH_OP_SCHEMA], Operations: operations };
}

/** A stored, normalised user as the PATCH engine receives it. */
function storedUser(): JsonObject {
  return {
    schemas: [CORE_USER_SCHEMA, ENT],
    userName: 'bjensen',
    externalId: 'ext-1',
    active: true,
    displayName: 'Babs',
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    emails: [
      { value: 'babs@work.example', type: 'work', primary: true },
      { value: 'babs@home.example', type: 'home' },
    ],
    [ENT]: { department: 'Tour', manager: { value: 'm-0', displayName: 'Old Boss' } },
  };
}

/** A stored group: members are rows, never part of the resource. */
function storedGroup(): JsonObject {
  return { schemas: [CORE_GROUP_SCHEMA], displayName: 'Tour Guides', externalId: 'g-ext' };
}

function patchUser(patchBody: unknown, user: JsonObject = storedUser()): JsonObject {
  const result = applyPatch(registry, 'User', user, parsePatchRequest(patchBody));
  expect(result.memberOperations).toEqual([]);
  return result.resource;
}

function patchGroup(patchBody: unknown, group: JsonObject = storedGroup()) {
  return applyPatch(registry, 'Group', group, parsePatchRequest(patchBody));
}

function workEmail(user: JsonObject): JsonObject {
  return (user.emails as JsonObject[])[0]!;
}

function enterprise(user: JsonObject): JsonObject {
  return user[ENT] as JsonObject;
}

describe('parseAttributePath', () => {
  const workFilter = { kind: 'compare', path: { attribute: 'type' }, op: 'eq', value: 'work' };

  it.each<[string, ParsedAttributePath]>([
    ['userName', { attribute: 'userName' }],
    [' userName ', { attribute: 'userName' }],
    ['name.familyName', { attribute: 'name', subAttribute: 'familyName' }],
    ['name.FamilyName', { attribute: 'name', subAttribute: 'FamilyName' }],
    ['members.$ref', { attribute: 'members', subAttribute: '$ref' }],
    ['emails[type eq "work"]', { attribute: 'emails', valueFilter: workFilter } as ParsedAttributePath],
    ['emails[type eq "work"].value', { attribute: 'emails', valueFilter: workFilter, subAttribute: 'value' } as ParsedAttributePath],
    [
      'emails[value eq "a]b"].display',
      { attribute: 'emails', valueFilter: { kind: 'compare', path: { attribute: 'value' }, op: 'eq', value: 'a]b' }, subAttribute: 'display' },
    ],
    ['members[value eq "id"]', { attribute: 'members', valueFilter: { kind: 'compare', path: { attribute: 'value' }, op: 'eq', value: 'id' } }],
    [`${ENT}:department`, { schema: ENT, attribute: 'department' }],
    [`${ENT}:manager.value`, { schema: ENT, attribute: 'manager', subAttribute: 'value' }],
    [`${ENT}.manager`, { schema: ENT, attribute: 'manager' }],
    [`${ENT}.manager.value`, { schema: ENT, attribute: 'manager', subAttribute: 'value' }],
    [`${ENT.toUpperCase()}:department`, { schema: ENT, attribute: 'department' }],
    [`${CORE_USER_SCHEMA}:userName`, { schema: CORE_USER_SCHEMA, attribute: 'userName' }],
    [`${CORE_USER_SCHEMA}:name.givenName`, { schema: CORE_USER_SCHEMA, attribute: 'name', subAttribute: 'givenName' }],
    [`${CORE_GROUP_SCHEMA}:displayName`, { schema: CORE_GROUP_SCHEMA, attribute: 'displayName' }],
    ['urn:example:acme:2.0:User:badge', { schema: 'urn:example:acme:2.0:User', attribute: 'badge' }],
  ])('%s', (text, expected) => {
    expect(parseAttributePath(text, STANDARD_URNS)).toEqual(expected);
  });

  it('recognises the dotted form of a URN it is told about', () => {
    expect(parseAttributePath('urn:example:acme:User.badge', ['urn:example:acme:User'])).toEqual({
      schema: 'urn:example:acme:User',
      attribute: 'badge',
    });
  });

  it.each<[string, string]>([
    ['', 'expected an attribute name at position 0'],
    ['1userName', 'expected an attribute name at position 0'],
    ['name.', 'expected a sub-attribute name at position 5'],
    ['name..givenName', 'expected a sub-attribute name at position 5'],
    ['name.givenName.x', "expected '[', '.' or the end of the path at position 14"],
    ['user name', "expected '[', '.' or the end of the path at position 4"],
    ['emails[type eq "work"', "expected ']' at position 21"],
    ['emails[]', 'expected a filter at position 7'],
    ['emails[ ]', 'expected a filter at position 7'],
    ['emails[type eq "work"]value', "expected '[', '.' or the end of the path at position 22"],
    [`${ENT}:`, 'expected an attribute name at position 59'],
  ])('rejects %j with INVALID_PATH and a position', (text, message) => {
    expectDomainError(() => parseAttributePath(text, STANDARD_URNS), 'INVALID_PATH', message);
  });

  it('reports a bad value filter as INVALID_FILTER', () => {
    expectDomainError(
      () => parseAttributePath('emails[type xx "work"].value', STANDARD_URNS),
      'INVALID_FILTER',
      `Invalid value filter in PATCH path 'emails[type xx "work"].value': expected a comparison operator`,
    );
  });
});

describe('parsePatchRequest', () => {
  it.each<[string, unknown, PatchOperation[]]>([
    [
      'Entra capitalised ops',
      body({ op: 'Replace', path: 'userName', value: 'x' }, { op: 'Add', path: 'nickName', value: 'Babs' }, { op: 'Remove', path: 'title' }),
      [
        { op: 'replace', path: 'userName', value: 'x' },
        { op: 'add', path: 'nickName', value: 'Babs' },
        { op: 'remove', path: 'title' },
      ],
    ],
    ['upper-case op', body({ op: 'REPLACE', path: 'active', value: false }), [{ op: 'replace', path: 'active', value: false }]],
    [
      'extra "name":"addMember" key ignored (Microsoft collection)',
      body({ name: 'addMember', op: 'add', path: 'members', value: [{ displayName: 'new User', value: 'u4' }] }),
      [{ op: 'add', path: 'members', value: [{ displayName: 'new User', value: 'u4' }] }],
    ],
    ['no-path replace (Okta)', body({ op: 'replace', value: { active: false } }), [{ op: 'replace', value: { active: false } }]],
    ['schemas missing', { Operations: [{ op: 'remove', path: 'members' }] }, [{ op: 'remove', path: 'members' }]],
    ['structural keys in any case', { operations: [{ OP: 'add', Path: 'title', VALUE: 'Boss' }] }, [{ op: 'add', path: 'title', value: 'Boss' }]],
    ['extra top-level id (Microsoft garbage group test)', { id: 'g1', ...body({ op: 'add', path: 'members', value: 'string id 1' }) }, [{ op: 'add', path: 'members', value: 'string id 1' }]],
    ['"" path read as no path', body({ op: 'replace', path: '', value: { title: 'x' } }), [{ op: 'replace', value: { title: 'x' } }]],
    ['null value kept for add', body({ op: 'add', path: 'title', value: null }), [{ op: 'add', path: 'title', value: null }]],
  ])('%s', (_label, input, expected) => {
    expect(parsePatchRequest(input)).toEqual(expected);
  });

  it.each<[string, unknown, ErrorCode, string]>([
    ['a non-object body', [], 'INVALID_SYNTAX', 'must be a JSON object'],
    ['a missing Operations', { schemas: [PATCH_OP_SCHEMA] }, 'INVALID_SYNTAX', "non-empty 'Operations' array"],
    ['an empty Operations', body(), 'INVALID_SYNTAX', "non-empty 'Operations' array"],
    ['Operations not an array', { Operations: { op: 'add' } }, 'INVALID_SYNTAX', "non-empty 'Operations' array"],
    ['an operation that is not an object', body('add'), 'INVALID_SYNTAX', 'Operations[0] must be a JSON object'],
    ['an unknown op', body({ op: 'merge', path: 'title', value: 'x' }), 'INVALID_INPUT', 'Operations[0].op must be "add", "replace" or "remove"; got "merge"'],
    ['a missing op', body({ path: 'title', value: 'x' }), 'INVALID_INPUT', 'Operations[0].op must be'],
    ['a non-string path', body({ op: 'add', path: 5, value: 'x' }), 'INVALID_PATH', 'Operations[0].path must be a string'],
    ['remove without a path', body({ op: 'add', path: 'title', value: 'x' }, { op: 'remove' }), 'NO_TARGET', 'Operations[1]: "remove" needs a path'],
    ['add without a value', body({ op: 'add', path: 'title' }), 'INVALID_INPUT', 'Operations[0]: "add" needs a value'],
  ])('rejects %s', (_label, input, code, message) => {
    expectDomainError(() => parsePatchRequest(input), code, message);
  });
});

describe('applyPatch on a User', () => {
  it.each<[string, unknown[], (expected: JsonObject) => void]>([
    // Entra ID, scim-clients.md 3.1
    [
      'Entra update user (elimity azuread/update_user)',
      [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        { op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' },
        { op: 'Replace', path: 'active', value: false },
      ],
      (u) => {
        workEmail(u).value = 'updatedEmail@microsoft.com';
        (u.name as JsonObject).familyName = 'updatedFamilyName';
        u.userName = '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com';
        u.active = false;
      },
    ],
    ['Entra disable user without the flag ("False")', [{ op: 'Replace', path: 'active', value: 'False' }], (u) => void (u.active = false)],
    ['Entra disable user with the flag (false)', [{ op: 'replace', path: 'active', value: false }], (u) => void (u.active = false)],
    ['Entra add nickName without the flag', [{ op: 'Add', path: 'nickName', value: 'Babs' }], (u) => void (u.nickName = 'Babs')],
    ['Entra add nickName with the flag', [{ op: 'add', path: 'nickName', value: 'Babs' }], (u) => void (u.nickName = 'Babs')],
    [
      'Entra replace several attributes without the flag (one Replace per path, URN path)',
      [
        { op: 'Replace', path: 'displayName', value: 'Bjfe' },
        { op: 'Replace', path: 'name.givenName', value: 'Kkom' },
        { op: 'Replace', path: `${ENT}:employeeNumber`, value: 'Eqpj' },
        { op: 'Replace', path: 'externalId', value: 'ext-2' },
      ],
      (u) => {
        u.displayName = 'Bjfe';
        (u.name as JsonObject).givenName = 'Kkom';
        enterprise(u).employeeNumber = 'Eqpj';
        u.externalId = 'ext-2';
      },
    ],
    [
      'Entra replace several attributes with the flag (no-path dotted and URN keys)',
      [
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'new@work.example' },
        {
          op: 'replace',
          value: { displayName: 'Bjfe', 'name.givenName': 'Kkom', 'name.familyName': 'Unua', [`${ENT}:employeeNumber`]: 'Aklq' },
        },
      ],
      (u) => {
        workEmail(u).value = 'new@work.example';
        u.displayName = 'Bjfe';
        u.name = { givenName: 'Kkom', familyName: 'Unua' };
        enterprise(u).employeeNumber = 'Aklq';
      },
    ],
    [
      'Entra manager: Add path manager with [{$ref, value}]',
      [{ op: 'Add', path: 'manager', value: [{ $ref: 'http://h/scim/Users/00aa00aa', value: '00aa00aa' }] }],
      (u) => void (enterprise(u).manager = { $ref: 'http://h/scim/Users/00aa00aa', value: '00aa00aa' }),
    ],
    [
      'manager by full URN path with {value}',
      [{ op: 'replace', path: `${ENT}:manager`, value: { value: 'm-2' } }],
      (u) => void (enterprise(u).manager = { value: 'm-2' }),
    ],
    [
      'Entra inbound manager: dotted URN path with a bare id',
      [{ op: 'replace', path: `${ENT}.manager`, value: 'm-3' }],
      (u) => void (enterprise(u).manager = { value: 'm-3' }),
    ],
    [
      'manager re-sent with the same id keeps its displayName',
      [{ op: 'Add', path: 'manager', value: [{ $ref: 'http://h/Users/m-0', value: 'm-0' }] }],
      (u) => void (enterprise(u).manager = { value: 'm-0', displayName: 'Old Boss', $ref: 'http://h/Users/m-0' }),
    ],
    ['manager.value by URN path', [{ op: 'replace', path: `${ENT}:manager.value`, value: 'm-4' }], (u) => void ((enterprise(u).manager as JsonObject).value = 'm-4')],
    ['remove manager by URN path', [{ op: 'remove', path: `${ENT}:manager` }], (u) => void delete enterprise(u).manager],
    ['Entra inbound replace name.familyName', [{ op: 'replace', path: 'name.familyName', value: 'Smith' }], (u) => void ((u.name as JsonObject).familyName = 'Smith')],
    ['Entra inbound replace active true', [{ op: 'replace', path: 'active', value: true }], () => undefined],
    // Okta, scim-clients.md 3.2
    ['Okta deactivate (no path, lower-case op)', [{ op: 'replace', value: { active: false } }], (u) => void (u.active = false)],
    ['Okta password sync is ignored', [{ op: 'replace', value: { password: 'n3wS3cret' } }, { op: 'replace', path: 'password', value: 'x' }], () => undefined],
    // Enterprise extension by URN (scim-clients.md 4, U15)
    [
      'enterprise attributes by full URN path',
      [
        { op: 'replace', path: `${ENT}:department`, value: 'Sales' },
        { op: 'add', path: `${ENT}:organization`, value: 'Acme' },
        { op: 'add', path: `${ENT}:division`, value: 'EMEA' },
        { op: 'replace', path: `${ENT}:costCenter`, value: 'CC-1' },
        { op: 'replace', path: `${ENT}:employeeNumber`, value: '701984' },
      ],
      (u) => void Object.assign(enterprise(u), { department: 'Sales', organization: 'Acme', division: 'EMEA', costCenter: 'CC-1', employeeNumber: '701984' }),
    ],
    ['remove an enterprise attribute by URN path', [{ op: 'remove', path: `${ENT}:department` }], (u) => void delete enterprise(u).department],
    [
      'removing the last enterprise attribute drops the block and its schema URN',
      [{ op: 'remove', path: `${ENT}:department` }, { op: 'Remove', path: `${ENT}:manager` }],
      (u) => {
        delete u[ENT];
        u.schemas = [CORE_USER_SCHEMA];
      },
    ],
    [
      'no-path value with an extension URN key merges into the block',
      [{ op: 'add', value: { [ENT]: { costCenter: 'CC-2', Department: 'Ops' } } }],
      (u) => void Object.assign(enterprise(u), { costCenter: 'CC-2', department: 'Ops' }),
    ],
    ['no-path replace with a null extension block clears it', [{ op: 'replace', value: { [ENT]: null } }], (u) => {
      delete u[ENT];
      u.schemas = [CORE_USER_SCHEMA];
    }],
    [
      'a path naming the whole extension merges into its block',
      [{ op: 'replace', path: ENT, value: { department: 'Ops', Manager: 'm-5' } }],
      (u) => void Object.assign(enterprise(u), { department: 'Ops', manager: { value: 'm-5' } }),
    ],
    ['remove with a path naming the whole extension', [{ op: 'remove', path: ENT }], (u) => {
      delete u[ENT];
      u.schemas = [CORE_USER_SCHEMA];
    }],
    [
      'an attribute the enterprise schema does not define is kept as sent',
      [{ op: 'add', path: `${ENT}:badgeColour`, value: { shade: 'red' } }],
      (u) => void (enterprise(u).badgeColour = { shade: 'red' }),
    ],
    [
      'an undeclared extension attribute can be removed',
      [{ op: 'add', path: `${ENT}:badgeColour`, value: 'red' }, { op: 'remove', path: `${ENT}:BadgeColour` }],
      () => undefined,
    ],
    // Multi-valued and primary (scim-clients.md 4)
    [
      'add to emails appends',
      [{ op: 'add', path: 'emails', value: [{ value: 'babs@other.example', type: 'other' }] }],
      (u) => void (u.emails as JsonObject[]).push({ value: 'babs@other.example', type: 'other' }),
    ],
    ['add of an identical email does not duplicate it', [{ op: 'add', path: 'emails', value: [{ value: 'babs@home.example', type: 'home' }] }], () => undefined],
    [
      'add without primary does not take primary away',
      [{ op: 'add', path: 'emails', value: { value: 'c@x', type: 'other', primary: false } }],
      (u) => void (u.emails as JsonObject[]).push({ value: 'c@x', type: 'other', primary: false }),
    ],
    [
      'add with primary:true demotes the previous primary',
      [{ op: 'add', path: 'emails', value: [{ value: 'c@x', type: 'other', primary: 'True' }] }],
      (u) => {
        workEmail(u).primary = false;
        (u.emails as JsonObject[]).push({ value: 'c@x', type: 'other', primary: true });
      },
    ],
    [
      'add of an existing email with primary:true promotes it instead of duplicating',
      [{ op: 'add', path: 'emails', value: [{ value: 'babs@home.example', type: 'home', primary: true }] }],
      (u) => {
        workEmail(u).primary = false;
        (u.emails as JsonObject[])[1]!.primary = true;
      },
    ],
    [
      'replace emails[type eq "home"].primary with "True" demotes the work email',
      [{ op: 'Replace', path: 'emails[type eq "home"].primary', value: 'True' }],
      (u) => {
        workEmail(u).primary = false;
        (u.emails as JsonObject[])[1]!.primary = true;
      },
    ],
    ['string "false" for primary', [{ op: 'replace', path: 'emails[type eq "work"].primary', value: 'false' }], (u) => void (workEmail(u).primary = false)],
    [
      'Add on emails[type eq "work"].value when present replaces it',
      [{ op: 'Add', path: 'emails[type eq "work"].value', value: 'new@work.example' }],
      (u) => void (workEmail(u).value = 'new@work.example'),
    ],
    [
      'Add on emails[type eq "work"].value when absent creates the work email',
      [{ op: 'remove', path: 'emails[type eq "work"]' }, { op: 'Add', path: 'emails[type eq "work"].value', value: 'new@work.example' }],
      (u) => void (u.emails = [{ value: 'babs@home.example', type: 'home' }, { type: 'work', value: 'new@work.example' }]),
    ],
    [
      'Replace on emails[type eq "work"].value when there are no emails creates it (Entra)',
      [{ op: 'replace', path: 'emails', value: null }, { op: 'Replace', path: 'emails[type eq "work"].value', value: 'w@x' }],
      (u) => void (u.emails = [{ type: 'work', value: 'w@x' }]),
    ],
    [
      'several adds into the same filtered element merge into one element',
      [
        { op: 'add', path: 'addresses[type eq "work"].streetAddress', value: '100 Universal City Plaza' },
        { op: 'add', path: 'addresses[type eq "work"].locality', value: 'Hollywood' },
        { op: 'add', path: 'addresses[type eq "work"].primary', value: true },
      ],
      (u) => void (u.addresses = [{ type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', primary: true }]),
    ],
    [
      'create-on-absent takes every equality of an and-filter',
      [{ op: 'add', path: 'phoneNumbers[type eq "mobile" and primary eq true].value', value: '+1 555' }],
      (u) => void (u.phoneNumbers = [{ type: 'mobile', primary: true, value: '+1 555' }]),
    ],
    [
      'the value filter matches case-insensitively',
      [{ op: 'replace', path: 'emails[TYPE eq "WORK"].value', value: 'w@x' }],
      (u) => void (workEmail(u).value = 'w@x'),
    ],
    [
      'replace emails[type eq "work"] with an object merges into the element',
      [{ op: 'replace', path: 'emails[type eq "work"]', value: { value: 'w@x', display: 'Work' } }],
      (u) => void Object.assign(workEmail(u), { value: 'w@x', display: 'Work' }),
    ],
    [
      'add emails[type eq "other"] with an object creates the element',
      [{ op: 'add', path: 'emails[type eq "other"]', value: { value: 'o@x' } }],
      (u) => void (u.emails as JsonObject[]).push({ type: 'other', value: 'o@x' }),
    ],
    ['remove emails[type eq "home"]', [{ op: 'remove', path: 'emails[type eq "home"]' }], (u) => void (u.emails = [workEmail(u)])],
    [
      'remove emails[type eq "work"].primary',
      [{ op: 'remove', path: 'emails[type eq "work"].primary' }],
      (u) => void delete workEmail(u).primary,
    ],
    ['remove every email by filter drops the attribute', [{ op: 'remove', path: 'emails[value ew ".example"]' }], (u) => void delete u.emails],
    ['replace emails with [] clears them', [{ op: 'replace', path: 'emails', value: [] }], (u) => void delete u.emails],
    [
      'replace emails with a new list',
      [{ op: 'replace', path: 'emails', value: [{ value: 'n@x', primary: true }] }],
      (u) => void (u.emails = [{ value: 'n@x', primary: true }]),
    ],
    ['remove emails.primary (every element)', [{ op: 'remove', path: 'emails.primary' }], (u) => void delete workEmail(u).primary],
    [
      'remove from a list by value (Entra style)',
      [
        { op: 'add', path: 'roles', value: [{ value: 'r1' }, { value: 'r2', display: 'Two' }] },
        { op: 'Remove', path: 'roles', value: [{ value: 'r2' }] },
      ],
      (u) => void (u.roles = [{ value: 'r1' }]),
    ],
    // Simple and complex attributes
    ['case-insensitive attribute names in paths', [{ op: 'replace', path: 'NAME.FAMILYNAME', value: 'J' }, { op: 'replace', path: 'UserName', value: 'b2' }], (u) => {
      (u.name as JsonObject).familyName = 'J';
      u.userName = 'b2';
    }],
    ['core URN path', [{ op: 'replace', path: `${CORE_USER_SCHEMA}:userName`, value: 'b3' }], (u) => void (u.userName = 'b3')],
    ['add name with an object merges sub-attributes', [{ op: 'add', path: 'name', value: { middleName: 'Q' } }], (u) => void ((u.name as JsonObject).middleName = 'Q')],
    ['remove name.givenName', [{ op: 'remove', path: 'name.givenName' }], (u) => void delete (u.name as JsonObject).givenName],
    ['removing every name part drops name', [{ op: 'remove', path: 'name.givenName' }, { op: 'remove', path: 'name.familyName' }], (u) => void delete u.name],
    ['replace with "" clears an optional attribute', [{ op: 'replace', path: 'displayName', value: '' }], (u) => void delete u.displayName],
    ['replace externalId', [{ op: 'replace', path: 'externalId', value: 'ext-9' }], (u) => void (u.externalId = 'ext-9')],
    [
      'remove of absent attributes is a no-op',
      [
        { op: 'remove', path: 'nickName' },
        { op: 'remove', path: 'addresses[type eq "work"]' },
        { op: 'remove', path: 'emails[type eq "other"].value' },
        { op: 'remove', path: `${ENT}:costCenter` },
      ],
      () => undefined,
    ],
    ['no-path id is ignored', [{ op: 'replace', value: { id: 'other-id', title: 'Boss' } }], (u) => void (u.title = 'Boss')],
    [
      'no-path add appends to lists and sets attributes',
      [{ op: 'add', value: { emails: [{ value: 'o@x', type: 'other' }], 'name.middleName': 'Q' } }],
      (u) => {
        (u.emails as JsonObject[]).push({ value: 'o@x', type: 'other' });
        (u.name as JsonObject).middleName = 'Q';
      },
    ],
    ['bare enterprise attribute name resolves to the extension', [{ op: 'replace', path: 'department', value: 'R&D' }], (u) => void (enterprise(u).department = 'R&D')],
  ])('%s', (_label, operations, change) => {
    const expected = storedUser();
    change(expected);
    expect(patchUser(body(...operations))).toEqual(expected);
  });

  it('adds the extension block and its schema URN when the first enterprise attribute is set', () => {
    const user = storedUser();
    delete user[ENT];
    user.schemas = [CORE_USER_SCHEMA];
    const result = patchUser(body({ op: 'Add', path: 'manager', value: [{ value: 'm-1' }] }), user);
    expect(result.schemas).toEqual([CORE_USER_SCHEMA, ENT]);
    expect(result[ENT]).toEqual({ manager: { value: 'm-1' } });
  });

  it('treats a remove inside an absent extension block as a no-op', () => {
    const user = storedUser();
    delete user[ENT];
    user.schemas = [CORE_USER_SCHEMA];
    expect(patchUser(body({ op: 'remove', path: `${ENT}:department` }), user)).toEqual(user);
  });

  it.each<[string, unknown[], ErrorCode, string]>([
    ['an unknown attribute', [{ op: 'add', path: 'adreses', value: 'x' }], 'INVALID_PATH', "Unknown attribute 'adreses' in PATCH path 'adreses'"],
    ['an unknown attribute in a no-path value', [{ op: 'replace', value: { title: 'x', shoeSize: 44 } }], 'INVALID_PATH', "Unknown attribute 'shoeSize'"],
    ['an unknown sub-attribute', [{ op: 'replace', path: 'name.nick', value: 'x' }], 'INVALID_PATH', "Attribute 'name' has no sub-attribute 'nick'"],
    ['an unknown schema', [{ op: 'replace', path: 'urn:example:other:2.0:User:x', value: 'x' }], 'INVALID_PATH', "Unknown schema 'urn:example:other:2.0:User'"],
    ['a Group attribute on a User', [{ op: 'add', path: 'members', value: [{ value: 'u1' }] }], 'INVALID_PATH', "Unknown attribute 'members'"],
    ['a filter on a single-valued attribute', [{ op: 'replace', path: 'name[givenName eq "x"]', value: {} }], 'INVALID_PATH', "Attribute 'name' is not multi-valued"],
    ['a sub-attribute of an undeclared extension attribute', [{ op: 'add', path: `${ENT}:badge.colour`, value: 'red' }], 'INVALID_PATH', 'only its whole value can be patched'],
    ['a malformed path', [{ op: 'replace', path: 'name.givenName.x', value: 'x' }], 'INVALID_PATH', 'at position 14'],
    ['a bad value filter', [{ op: 'replace', path: 'emails[type eq].value', value: 'x' }], 'INVALID_FILTER', `Invalid value filter in PATCH path 'emails[type eq].value': expected a space and a value after 'eq'`],
    ['id', [{ op: 'replace', path: 'id', value: 'x' }], 'MUTABILITY', "Attribute 'id' is readOnly"],
    ['meta', [{ op: 'replace', path: 'meta', value: {} }], 'MUTABILITY', "Attribute 'meta' is readOnly"],
    ['meta.lastModified', [{ op: 'replace', path: 'meta.lastModified', value: '2024-01-01T00:00:00Z' }], 'MUTABILITY', "Attribute 'meta' is readOnly"],
    ['groups', [{ op: 'add', path: 'groups', value: [{ value: 'g1' }] }], 'MUTABILITY', "Attribute 'groups' is readOnly"],
    ['meta in a no-path value', [{ op: 'replace', value: { meta: { version: 'W/"1"' } } }], 'MUTABILITY', "Attribute 'meta' is readOnly"],
    ['replace userName with ""', [{ op: 'Replace', path: 'userName', value: '' }], 'INVALID_INPUT', "Attribute 'userName' is required"],
    ['replace userName with null', [{ op: 'replace', value: { userName: null } }], 'INVALID_INPUT', "Attribute 'userName' is required"],
    ['remove userName', [{ op: 'remove', path: 'userName' }], 'INVALID_INPUT', "Attribute 'userName' is required"],
    ['active "yes"', [{ op: 'replace', path: 'active', value: 'yes' }], 'INVALID_INPUT', "Attribute 'active' must be a boolean"],
    ['a number for a string', [{ op: 'replace', path: 'title', value: 7 }], 'INVALID_INPUT', "Attribute 'title' must be a string"],
    ['an object for a string', [{ op: 'replace', path: `${ENT}:department`, value: { name: 'x' } }], 'INVALID_INPUT', `Attribute '${ENT}:department' must be a string`],
    ['a wrong type in a list element', [{ op: 'add', path: 'emails', value: [{ value: 'a@x', primary: 'yes' }] }], 'INVALID_INPUT', "Attribute 'emails[0].primary' must be a boolean"],
    ['a no-path value that is not an object', [{ op: 'replace', value: 'x' }], 'INVALID_INPUT', '"replace" without a path needs an object value'],
    ['an extension key that is not an object', [{ op: 'add', value: { [ENT]: 'Sales' } }], 'INVALID_INPUT', `Attribute '${ENT}' must be an object`],
    ['several objects for one filtered element', [{ op: 'replace', path: 'emails[type eq "work"]', value: [{ value: 'a' }, { value: 'b' }] }], 'INVALID_INPUT', 'its value must be one object'],
    ['replace of a filter without a match', [{ op: 'replace', path: 'emails[type eq "other"]', value: { value: 'o@x' } }], 'NO_TARGET', "No value of 'emails' matches"],
    [
      'create-on-absent with a filter that does not describe an element',
      [{ op: 'add', path: 'emails[type eq "other" or type eq "x"].value', value: 'o@x' }],
      'NO_TARGET',
      'the filter does not describe one to create',
    ],
  ])('rejects %s', (_label, operations, code, message) => {
    expectDomainError(() => patchUser(body(...operations)), code, message);
  });
});

describe('applyPatch atomicity', () => {
  it('leaves the input untouched when a later operation fails', () => {
    const user = storedUser();
    const before = structuredClone(user);
    expectDomainError(
      () =>
        patchUser(
          body(
            { op: 'replace', path: 'displayName', value: 'Changed' },
            { op: 'add', path: 'emails', value: [{ value: 'x@x', primary: true }] },
            { op: 'replace', path: `${ENT}:department`, value: 'Changed' },
            { op: 'remove', path: 'name.givenName' },
            { op: 'replace', path: 'active', value: 'maybe' },
          ),
          user,
        ),
      'INVALID_INPUT',
      "Attribute 'active'",
    );
    expect(user).toEqual(before);
  });

  it('returns a new object and never shares nested values with the input', () => {
    const user = storedUser();
    const before = structuredClone(user);
    const result = patchUser(body({ op: 'replace', path: 'emails[type eq "work"].value', value: 'w@x' }), user);
    expect(user).toEqual(before);
    expect(result).not.toBe(user);
    (result.emails as JsonObject[]).push({ value: 'more@x' });
    (result.name as JsonObject).givenName = 'Mutated';
    enterprise(result).department = 'Mutated';
    expect(user).toEqual(before);
  });

  it('does not share values with the request', () => {
    const value = { shade: 'red' };
    const result = patchUser(body({ op: 'add', path: `${ENT}:badge`, value }));
    value.shade = 'blue';
    expect(enterprise(result).badge).toEqual({ shade: 'red' });
  });
});

describe('applyPatch on a Group', () => {
  it.each<[string, unknown[], JsonObject, MemberOperation[]]>([
    [
      'Entra: Replace displayName + Add members + Remove members, in order (elimity azuread/update_group)',
      [
        { op: 'Replace', path: 'displayName', value: '1879db59updatedDisplayName' },
        { op: 'Add', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] },
        { op: 'Remove', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] },
      ],
      { displayName: '1879db59updatedDisplayName' },
      [
        { op: 'add', members: [{ value: 'f648f8d5ea4e4cd38e9c' }] },
        { op: 'remove', values: ['f648f8d5ea4e4cd38e9c'] },
      ],
    ],
    ['Entra rename', [{ op: 'Replace', path: 'displayName', value: 'Renamed' }], { displayName: 'Renamed' }, []],
    [
      'Entra add several members',
      [{ op: 'Add', path: 'members', value: [{ $ref: null, value: 'u1' }, { $ref: null, value: 'u2' }] }],
      {},
      [{ op: 'add', members: [{ value: 'u1' }, { value: 'u2' }] }],
    ],
    ['Entra remove member without the flag (value list)', [{ op: 'Remove', path: 'members', value: [{ value: 'u1091' }] }], {}, [{ op: 'remove', values: ['u1091'] }]],
    [
      'Entra remove member with the flag (value filter)',
      [{ op: 'remove', path: 'members[value eq "7f4bc1a3-285e-48ae-8202-5accb43efb0e"]' }],
      {},
      [{ op: 'remove', values: ['7f4bc1a3-285e-48ae-8202-5accb43efb0e'] }],
    ],
    [
      'Okta membership: remove by filter, add, replace the whole list (elimity okta/update_group_membership)',
      [
        { op: 'remove', path: 'members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]' },
        { op: 'add', path: 'members', value: [{ value: '23a35c27-23d3-4c03-b4c5-6443c09e7173', display: 'test.user@okta.local' }] },
        {
          op: 'replace',
          path: 'members',
          value: [
            { value: '23a35c27-23d3-4c03-b4c5-6443c09e7173', display: 'test.user@okta.local' },
            { value: '89bb1940-b905-4575-9e7f-6f887cfb368e', display: 'test.user@okta.local' },
          ],
        },
      ],
      {},
      [
        { op: 'remove', values: ['89bb1940-b905-4575-9e7f-6f887cfb368e'] },
        { op: 'add', members: [{ value: '23a35c27-23d3-4c03-b4c5-6443c09e7173', display: 'test.user@okta.local' }] },
        {
          op: 'replace',
          members: [
            { value: '23a35c27-23d3-4c03-b4c5-6443c09e7173', display: 'test.user@okta.local' },
            { value: '89bb1940-b905-4575-9e7f-6f887cfb368e', display: 'test.user@okta.local' },
          ],
        },
      ],
    ],
    ['Okta full push of an empty group: replace members [] empties it', [{ op: 'replace', path: 'members', value: [] }], {}, [{ op: 'replace', members: [] }]],
    [
      'Okta rename with no path {id, displayName} keeps the members (elimity okta/update_group_name)',
      [{ op: 'replace', value: { id: 'abf4dd94-a4c0-4f67-89c9-76b03340cb9b', displayName: 'Test SCIMv2' } }],
      { displayName: 'Test SCIMv2' },
      [],
    ],
    [
      'Microsoft collection add member: displayName read as display, "name":"addMember" ignored',
      [{ name: 'addMember', op: 'add', path: 'members', value: [{ displayName: 'new User', value: 'id4' }] }],
      {},
      [{ op: 'add', members: [{ value: 'id4', display: 'new User' }] }],
    ],
    ['Microsoft collection remove member by filter', [{ op: 'remove', path: 'members[value eq "id4"]' }], {}, [{ op: 'remove', values: ['id4'] }]],
    ['Microsoft collection remove all members', [{ op: 'remove', path: 'members' }], {}, [{ op: 'removeAll' }]],
    ['Microsoft garbage: a bare string member id', [{ op: 'add', path: 'members', value: 'string id 1' }], {}, [{ op: 'add', members: [{ value: 'string id 1' }] }]],
    ['a single member object', [{ op: 'add', path: 'members', value: { value: 'g2', type: 'group' } }], {}, [{ op: 'add', members: [{ value: 'g2', type: 'Group' }] }]],
    ['$ref is not passed on', [{ op: 'add', path: 'members', value: [{ value: 'u1', $ref: 'https://h/Users/u1', type: 'User' }] }], {}, [{ op: 'add', members: [{ value: 'u1', type: 'User' }] }]],
    ['remove by or-ed value filters', [{ op: 'remove', path: 'members[value eq "a" or value eq "b"]' }], {}, [{ op: 'remove', values: ['a', 'b'] }]],
    ['remove with unquoted and mixed-case filter', [{ op: 'Remove', path: 'Members[Value EQ u-1]' }], {}, [{ op: 'remove', values: ['u-1'] }]],
    ['remove with an empty value list changes nothing', [{ op: 'remove', path: 'members', value: [] }], {}, []],
    ['add of no members changes nothing', [{ op: 'add', path: 'members', value: [] }], {}, []],
    [
      'no-path add with a members key',
      [{ op: 'add', value: { members: [{ value: 'u1' }] } }],
      {},
      [{ op: 'add', members: [{ value: 'u1' }] }],
    ],
    [
      'no-path replace with displayName and members',
      [{ op: 'replace', value: { displayName: 'New', members: [] } }],
      { displayName: 'New' },
      [{ op: 'replace', members: [] }],
    ],
    ['group URN path', [{ op: 'replace', path: `${CORE_GROUP_SCHEMA}:displayName`, value: 'ByUrn' }], { displayName: 'ByUrn' }, []],
    ['replace externalId', [{ op: 'replace', path: 'externalId', value: 'g-ext-2' }], { externalId: 'g-ext-2' }, []],
    ['remove externalId', [{ op: 'remove', path: 'externalId' }], { externalId: undefined }, []],
  ])('%s', (_label, operations, changes, memberOperations) => {
    const result = patchGroup(body(...operations));
    const expected: JsonObject = { ...storedGroup(), ...changes };
    for (const key of Object.keys(expected)) if (expected[key] === undefined) delete expected[key];
    expect(result.resource).toStrictEqual(expected);
    expect(result.memberOperations).toEqual(memberOperations);
  });

  it.each<[string, unknown[], ErrorCode, string]>([
    ['a filter on another member attribute', [{ op: 'remove', path: 'members[display eq "x"]' }], 'INVALID_FILTER', 'Members can only be selected by id'],
    ['a non-eq member filter', [{ op: 'remove', path: 'members[value co "x"]' }], 'INVALID_FILTER', 'Members can only be selected by id'],
    ['an and-ed member filter', [{ op: 'remove', path: 'members[value eq "x" and type eq "User"]' }], 'INVALID_FILTER', 'Members can only be selected by id'],
    ['a member sub-attribute', [{ op: 'replace', path: 'members[value eq "x"].display', value: 'y' }], 'INVALID_PATH', 'Member sub-attributes cannot be patched'],
    ['members.value', [{ op: 'remove', path: 'members.value' }], 'INVALID_PATH', 'Member sub-attributes cannot be patched'],
    ['add with a member filter', [{ op: 'add', path: 'members[value eq "x"]', value: { value: 'x' } }], 'INVALID_PATH', 'can only be used with "remove"'],
    ['a member without an id', [{ op: 'add', path: 'members', value: [{ display: 'x' }] }], 'INVALID_INPUT', "Attribute 'members[0].value' (the member id) is required"],
    ['replace displayName with ""', [{ op: 'Replace', path: 'displayName', value: '' }], 'INVALID_INPUT', "Attribute 'displayName' is required"],
    ['a User attribute', [{ op: 'replace', path: 'userName', value: 'x' }], 'INVALID_PATH', "Unknown attribute 'userName'"],
    ['the enterprise extension', [{ op: 'replace', path: `${ENT}:department`, value: 'x' }], 'INVALID_PATH', `Unknown schema '${ENT}'`],
  ])('rejects %s', (_label, operations, code, message) => {
    expectDomainError(() => patchGroup(body(...operations)), code, message);
  });

  it('produces no member operations when a later operation fails', () => {
    const group = storedGroup();
    expectDomainError(
      () => patchGroup(body({ op: 'add', path: 'members', value: ['u1'] }, { op: 'replace', path: 'displayName', value: null }), group),
      'INVALID_INPUT',
      "Attribute 'displayName' is required",
    );
    expect(group).toEqual(storedGroup());
  });
});

describe('membersAddedOnly', () => {
  it('lists the ids added when every operation adds members or removes named ones, in request order', () => {
    const operations = parsePatchRequest(
      body(
        { op: 'Add', path: 'Members', value: [{ value: 'u1' }, { value: 'u2', display: 'Two' }] },
        { op: 'remove', path: 'members[value eq "u3"]' },
        { op: 'add', path: 'members', value: ['not-an-object', { display: 'no id' }, { value: 'u4' }] },
      ),
    );
    expect(membersAddedOnly(operations)).toEqual(['u1', 'u2', 'u4']);
    expect(membersAddedOnly(parsePatchRequest(body({ op: 'remove', path: 'members[value eq "u3"]' })))).toEqual([]);
  });

  it.each([
    ['a change of another attribute', { op: 'replace', path: 'displayName', value: 'y' }],
    ['a no-path value', { op: 'add', value: { members: [{ value: 'u1' }] } }],
    ['a replace of the members', { op: 'replace', path: 'members', value: [{ value: 'u1' }] }],
    ['a removal of every member', { op: 'remove', path: 'members' }],
  ])('is undefined with %s among the operations', (_label, other) => {
    expect(membersAddedOnly(parsePatchRequest(body({ op: 'add', path: 'members', value: [{ value: 'u1' }] }, other)))).toBeUndefined();
  });
});
