import { DomainError } from '../../../src/domain/errors';
import {
  parseAttributeList,
  projectResource,
  wantsAttribute,
  type ProjectionOptions,
} from '../../../src/scim/protocol/projection';
import {
  CORE_GROUP_SCHEMA,
  CORE_USER_SCHEMA,
  ENTERPRISE_USER_SCHEMA,
  createDefaultSchemaRegistry,
} from '../../../src/scim/protocol/schema-definitions';

const registry = createDefaultSchemaRegistry();
const meta = { resourceType: 'User', created: '2024-01-01T00:00:00Z', lastModified: '2024-01-02T00:00:00Z', location: 'https://h/Users/u1' };

const user: Record<string, unknown> = {
  schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
  id: 'u1',
  externalId: 'ext-1',
  userName: 'bjensen',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  displayName: 'Babs',
  active: true,
  password: 'hunter2',
  emails: [
    { value: 'emailName357@work.example', type: 'work', primary: true },
    { value: 'babs@home.example', type: 'home' },
  ],
  [ENTERPRISE_USER_SCHEMA]: { department: 'Tour', employeeNumber: '42', manager: { value: 'm1', displayName: 'Boss' } },
  meta,
};

const group: Record<string, unknown> = {
  schemas: [CORE_GROUP_SCHEMA],
  id: 'g1',
  displayName: 'Tour Guides',
  members: [{ value: 'u1', display: 'Babs', type: 'User' }],
  meta: { ...meta, resourceType: 'Group' },
};

function options(attributes?: string, excludedAttributes?: string): ProjectionOptions {
  return { attributes: parseAttributeList(attributes), excludedAttributes: parseAttributeList(excludedAttributes) };
}

describe('parseAttributeList', () => {
  it.each([
    ['userName', [{ attribute: 'userName' }]],
    [' userName , emails ', [{ attribute: 'userName' }, { attribute: 'emails' }]],
    ['name.givenName', [{ attribute: 'name', subAttribute: 'givenName' }]],
    ['members.$ref', [{ attribute: 'members', subAttribute: '$ref' }]],
    ['emails[type eq "work"]', [{ attribute: 'emails' }]],
    ['emails[value eq "a,b]"],userName', [{ attribute: 'emails' }, { attribute: 'userName' }]],
    ['emails[type eq "work"].value', [{ attribute: 'emails', subAttribute: 'value' }]],
    [
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
      [{ schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', attribute: 'department' }],
    ],
    [
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value',
      [{ schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', attribute: 'manager', subAttribute: 'value' }],
    ],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', [{ schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0', attribute: 'User' }]],
  ])('parses %j', (param, expected) => {
    expect(parseAttributeList(param)).toStrictEqual(expected);
  });

  it.each([undefined, '', '   '])('reads %j as no projection', (param) => {
    expect(parseAttributeList(param)).toBeUndefined();
  });

  it.each([
    'userName,',
    'userName,,emails',
    'user name',
    'name.givenName.first',
    'emails[type eq "work"',
    'emails[type eq "work]"',
    'emails]',
    'emails[]',
    'emails[type eq "work"]value',
    'name.givenName[value eq "x"]',
    '"userName"',
    '1userName',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:',
    'urn:bad urn:department',
  ])('rejects %j as INVALID_INPUT', (param) => {
    expect(() => parseAttributeList(param)).toThrow(DomainError);
    expect(() => parseAttributeList(param)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('projectResource on a User', () => {
  const { password: _password, ...withoutPassword } = user;

  it.each<[string, string | undefined, string | undefined, Record<string, unknown>]>([
    ['defaults: everything but password', undefined, undefined, withoutPassword],
    [
      'attributes=userName,emails (Microsoft collection)',
      'userName,emails',
      undefined,
      { schemas: user.schemas, id: 'u1', userName: 'bjensen', emails: user.emails },
    ],
    ['attributes=emails[type eq "work"] reads as emails', 'emails[type eq "work"]', undefined, { schemas: user.schemas, id: 'u1', emails: user.emails }],
    ['case-insensitive names', 'USERNAME,Emails', undefined, { schemas: user.schemas, id: 'u1', userName: 'bjensen', emails: user.emails }],
    ['sub-attribute of a complex attribute', 'name.givenName', undefined, { schemas: user.schemas, id: 'u1', name: { givenName: 'Barbara' } }],
    [
      'sub-attribute of a multi-valued attribute, in each element',
      'emails.Value',
      undefined,
      { schemas: user.schemas, id: 'u1', emails: [{ value: 'emailName357@work.example' }, { value: 'babs@home.example' }] },
    ],
    ['a sub-attribute nobody has drops the parent', 'name.middleName', undefined, { schemas: user.schemas, id: 'u1' }],
    [
      'whole extension by URN',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user',
      undefined,
      { schemas: user.schemas, id: 'u1', [ENTERPRISE_USER_SCHEMA]: user[ENTERPRISE_USER_SCHEMA] },
    ],
    [
      'extension attribute keeps the block with only it',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:Department',
      undefined,
      { schemas: user.schemas, id: 'u1', [ENTERPRISE_USER_SCHEMA]: { department: 'Tour' } },
    ],
    [
      'extension sub-attribute',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value',
      undefined,
      { schemas: user.schemas, id: 'u1', [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'm1' } } },
    ],
    [
      'older Entra dot form of an extension attribute',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.department',
      undefined,
      { schemas: user.schemas, id: 'u1', [ENTERPRISE_USER_SCHEMA]: { department: 'Tour' } },
    ],
    ['extension attribute without its URN is unknown', 'department', undefined, { schemas: user.schemas, id: 'u1' }],
    ['id and schemas always kept, unknown names ignored', 'nonsense,name.nonsense', undefined, { schemas: user.schemas, id: 'u1' }],
    ['password never, even when asked', 'password,userName', undefined, { schemas: user.schemas, id: 'u1', userName: 'bjensen' }],
    ['meta only when asked with attributes', 'meta.created', undefined, { schemas: user.schemas, id: 'u1', meta: { created: meta.created } }],
    [
      'core schema URN selects the core attributes',
      'urn:ietf:params:scim:schemas:core:2.0:User',
      undefined,
      {
        schemas: user.schemas,
        id: 'u1',
        userName: 'bjensen',
        name: user.name,
        displayName: 'Babs',
        active: true,
        emails: user.emails,
      },
    ],
    [
      'core URN-qualified attribute',
      'urn:ietf:params:scim:schemas:core:2.0:User:userName',
      undefined,
      { schemas: user.schemas, id: 'u1', userName: 'bjensen' },
    ],
    ['excludedAttributes cannot drop id or schemas', undefined, 'id,schemas,Emails,meta', (() => {
      const { emails: _emails, meta: _meta, ...rest } = withoutPassword;
      return rest;
    })()],
    ['excluded sub-attribute', undefined, 'name.familyName,emails.type,emails.primary,displayName,externalId,active,meta,userName', {
      schemas: user.schemas,
      id: 'u1',
      name: { givenName: 'Barbara' },
      emails: [{ value: 'emailName357@work.example' }, { value: 'babs@home.example' }],
      [ENTERPRISE_USER_SCHEMA]: user[ENTERPRISE_USER_SCHEMA],
    }],
    ['excluded extension', undefined, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', (() => {
      const { [ENTERPRISE_USER_SCHEMA]: _extension, ...rest } = withoutPassword;
      return rest;
    })()],
    [
      'excluded extension attribute',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
      { schemas: user.schemas, id: 'u1', [ENTERPRISE_USER_SCHEMA]: { department: 'Tour', employeeNumber: '42' } },
    ],
  ])('%s', (_label, attributes, excludedAttributes, expected) => {
    expect(projectResource(registry, 'User', user, options(attributes, excludedAttributes))).toStrictEqual(expected);
  });

  it('returns a new object and leaves the input alone', () => {
    const snapshot = structuredClone(user);
    const projected = projectResource(registry, 'User', user, options('name.givenName'));
    expect(projected).not.toBe(user);
    expect(user).toStrictEqual(snapshot);
  });

  it('writes canonical names even when the resource spells them otherwise', () => {
    const projected = projectResource(registry, 'User', { id: 'u1', USERNAME: 'x', Emails: [{ Value: 'a@b' }] }, options('userName,emails.value'));
    expect(projected).toStrictEqual({ id: 'u1', userName: 'x', emails: [{ value: 'a@b' }] });
  });

  it('keeps keys the registry does not describe only without an attributes list', () => {
    const resource = { id: 'u1', userName: 'x', 'urn:example:unknown': { a: 1 } };
    expect(projectResource(registry, 'User', resource, {})).toStrictEqual(resource);
    expect(projectResource(registry, 'User', resource, options('userName'))).toStrictEqual({ id: 'u1', userName: 'x' });
  });
  it('keeps a stored "__proto__" key as data', () => {
    const projected = projectResource(registry, 'User', JSON.parse('{"id":"u1","__proto__":{"polluted":true}}'), {});
    expect(Object.getPrototypeOf(projected)).toBe(Object.prototype);
    expect(Object.keys(projected)).toEqual(['id', '__proto__']);
  });
});

describe('projectResource on a Group', () => {
  it.each<[string, string | undefined, string | undefined, Record<string, unknown>]>([
    ['defaults', undefined, undefined, group],
    ['excludedAttributes=members', undefined, 'members', { schemas: group.schemas, id: 'g1', displayName: 'Tour Guides', meta: group.meta }],
    ['excludedAttributes=Members is case-insensitive', undefined, 'Members', { schemas: group.schemas, id: 'g1', displayName: 'Tour Guides', meta: group.meta }],
    ['attributes=displayName', 'displayName', undefined, { schemas: group.schemas, id: 'g1', displayName: 'Tour Guides' }],
    ['attributes=members.value', 'members.value', undefined, { schemas: group.schemas, id: 'g1', members: [{ value: 'u1' }] }],
  ])('%s', (_label, attributes, excludedAttributes, expected) => {
    expect(projectResource(registry, 'Group', group, options(attributes, excludedAttributes))).toStrictEqual(expected);
  });
});

describe('wantsAttribute', () => {
  const enterprise = ENTERPRISE_USER_SCHEMA;
  it.each<[string, 'User' | 'Group', string | undefined, string | undefined, { schema?: string; attribute: string }, boolean]>([
    ['members by default', 'Group', undefined, undefined, { attribute: 'members' }, true],
    ['members excluded', 'Group', undefined, 'members', { attribute: 'members' }, false],
    ['members not asked for', 'Group', 'displayName', undefined, { attribute: 'members' }, false],
    ['members asked for in part', 'Group', 'members.value', undefined, { attribute: 'members' }, true],
    ['members sub-attribute excluded keeps the rest', 'Group', undefined, 'members.display', { attribute: 'members' }, true],
    ['id always', 'Group', 'displayName', 'id', { attribute: 'id' }, true],
    ['password never', 'User', 'password', undefined, { attribute: 'password' }, false],
    ['case-insensitive', 'User', 'EMAILS', undefined, { attribute: 'emails' }, true],
    ['extension attribute by default', 'User', undefined, undefined, { schema: enterprise, attribute: 'manager' }, true],
    ['extension attribute via its block', 'User', enterprise, undefined, { schema: enterprise, attribute: 'manager' }, true],
    ['extension attribute not asked for', 'User', `${enterprise}:department`, undefined, { schema: enterprise, attribute: 'manager' }, false],
    ['extension attribute asked for', 'User', `${enterprise}:manager.value`, undefined, { schema: enterprise, attribute: 'manager' }, true],
    ['extension block excluded', 'User', undefined, enterprise, { schema: enterprise, attribute: 'manager' }, false],
    ['extension attribute excluded', 'User', undefined, `${enterprise}:manager`, { schema: enterprise, attribute: 'manager' }, false],
  ])('%s', (_label, resourceTypeId, attributes, excludedAttributes, attribute, expected) => {
    expect(wantsAttribute(registry, resourceTypeId, options(attributes, excludedAttributes), attribute)).toBe(expected);
  });
});
