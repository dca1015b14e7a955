import {
  REDACTED,
  errorOfExchange,
  redactFilterValues,
  redactRequestPath,
  redactScimBody,
  resourceOfExchange,
} from '../../../src/scim/protocol/provisioning-record';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('provisioning log redaction', () => {
  it('keeps the structure of a user body and replaces personal and secret values', () => {
    const body = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      userName: 'ada@example.com',
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      active: true,
      name: { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada Lovelace' },
      emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
      phoneNumbers: [{ value: '+44 20 7946 0000', type: 'work' }],
      password: '1mz050nq',
      title: 'admin',
      [ENTERPRISE]: { department: 'Legal', employeeNumber: 12345, manager: { value: 'm-1', displayName: 'Grace Hopper' } },
    };
    expect(redactScimBody(body)).toEqual({
      schemas: body.schemas,
      userName: REDACTED,
      externalId: body.externalId,
      active: true,
      name: { givenName: REDACTED, familyName: REDACTED, formatted: REDACTED },
      emails: [{ value: REDACTED, type: REDACTED, primary: true }],
      phoneNumbers: [{ value: REDACTED, type: REDACTED }],
      password: REDACTED,
      title: 'admin',
      [ENTERPRISE]: { department: 'Legal', employeeNumber: REDACTED, manager: { value: 'm-1', displayName: REDACTED } },
    });
  });

  it('redacts a PATCH value by the attribute its path names, and filter values inside such paths', () => {
    const body = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'replace', path: 'userName', value: 'new@example.com' },
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'new@example.com' },
        { op: 'replace', path: `${ENTERPRISE}:employeeNumber`, value: '777' },
        { op: 'add', path: 'members', value: [{ value: 'u-1', display: 'Ada Lovelace' }] },
        { op: 'remove', path: 'members[value eq "u-2"]' },
        { op: 'replace', value: { displayName: 'Ada L.', active: false } },
        { op: 'replace', path: 'title', value: 'manager' },
      ],
    };
    expect(redactScimBody(body)).toEqual({
      schemas: body.schemas,
      Operations: [
        { op: 'replace', path: 'userName', value: REDACTED },
        { op: 'replace', path: `emails[type eq "${REDACTED}"].value`, value: REDACTED },
        { op: 'replace', path: `${ENTERPRISE}:employeeNumber`, value: REDACTED },
        { op: 'add', path: 'members', value: [{ value: 'u-1', display: REDACTED }] },
        { op: 'remove', path: 'members[value eq "u-2"]' },
        { op: 'replace', value: { displayName: REDACTED, active: false } },
        { op: 'replace', path: 'title', value: 'manager' },
      ],
    });
  });

  it('cuts long member lists and long strings but says how much was cut', () => {
    const members = Array.from({ length: 250 }, (_, index) => ({ value: `u-${index}` }));
    const redacted = redactScimBody({ displayName: 'Everyone', members, description: 'x'.repeat(5000) }) as { members: unknown[]; description: string };
    expect(redacted.members).toHaveLength(101);
    expect(redacted.members[0]).toEqual({ value: 'u-0' });
    expect(redacted.members[100]).toBe('... 150 more');
    expect(redacted.description).toHaveLength(1003);
  });

  it('redacts compared values in filters, except booleans, null and plain identifiers', () => {
    expect(redactFilterValues('userName eq "ada@example.com"')).toBe(`userName eq "${REDACTED}"`);
    expect(redactFilterValues('userName eq ada@example.com and active eq true')).toBe(`userName eq "${REDACTED}" and active eq true`);
    expect(redactFilterValues('emails[type eq "work" and value co "@example.com"]')).toBe(`emails[type eq "${REDACTED}" and value co "${REDACTED}"]`);
    expect(redactFilterValues('externalId eq "abc" or id eq "u-1"')).toBe('externalId eq "abc" or id eq "u-1"');
    expect(redactFilterValues('meta.lastModified gt "2024-01-01T00:00:00Z"')).toBe(`meta.lastModified gt "${REDACTED}"`);
    expect(redactFilterValues('title pr')).toBe('title pr');
  });

  it('logs the path with its query decoded and the filter redacted', () => {
    expect(redactRequestPath('/Users?filter=userName%20eq%20%22ada%40example.com%22&startIndex=1&count=100')).toBe(
      `/Users?filter=userName eq "${REDACTED}"&startIndex=1&count=100`,
    );
    expect(redactRequestPath('/Groups/g-1')).toBe('/Groups/g-1');
    expect(redactRequestPath('/Users?filter=%E0%A4%A')).toBe('/Users?filter=%E0%A4%A');
  });

  it('names the resource from the path, or from the Location of a create', () => {
    expect(resourceOfExchange('/Users/2819c223-7f76-453a-919d-413861904646', undefined)).toEqual({ resourceType: 'User', resourceId: '2819c223-7f76-453a-919d-413861904646' });
    expect(resourceOfExchange('/Groups', 'https://hub/scim/v2/Groups/g-1')).toEqual({ resourceType: 'Group', resourceId: 'g-1' });
    expect(resourceOfExchange('/Users', undefined)).toEqual({ resourceType: 'User', resourceId: null });
    expect(resourceOfExchange('/Users/' + 'x'.repeat(40), undefined)).toEqual({ resourceType: 'User', resourceId: null });
    expect(resourceOfExchange('/ServiceProviderConfig', undefined)).toEqual({ resourceType: null, resourceId: null });
  });

  it('reads detail and scimType from a SCIM error body', () => {
    expect(errorOfExchange({ status: '400', scimType: 'invalidFilter', detail: 'bad filter' })).toEqual({ errorDetail: 'bad filter', scimType: 'invalidFilter' });
    expect(errorOfExchange(undefined)).toEqual({ errorDetail: null, scimType: null });
  });
});
