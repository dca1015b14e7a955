import { testDatabaseKind } from '../support/test-app';
import { expectScimError, GROUP_SCHEMA, USER_SCHEMA } from '../support/scim-client';
import { useGraphqlHub } from '../graphql/graphql-hub';
import { MAX_STRING_BYTES } from '../../src/domain/string-limits';

/**
 * Every string SCIM accepts (up to MAX_STRING_BYTES of UTF-8) is stored and read back on both
 * databases: on PostgreSQL, 1,025 to 2,048 characters overflowed varchar(1024) columns as a 500.
 */
describe(`strings up to the documented limit on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();
  const longest = (suffix: string) => 'a'.repeat(MAX_STRING_BYTES - suffix.length) + suffix;

  // The mapped domain fields have their own, shorter limits (email 320, names 256: a 400 naming the rule);
  // the raw resource keeps what the IdP sent.
  it('a user whose userName, externalId and secondary email are 2,048 characters is created, found and read back', async () => {
    const { scim } = await graphql.tenant();
    // `m` is `rn` in the look-alike skeleton: the skeleton is twice as long as the name.
    // (Not an email address: the preset maps an email-shaped userName to the 320-character email field.)
    const userName = 'm'.repeat(MAX_STRING_BYTES);
    const secondEmail = longest('@second.example.com');
    const response = await scim.post('/Users', {
      schemas: [USER_SCHEMA],
      userName,
      externalId: longest('-oid'),
      emails: [
        { value: 'jane@acme.com', type: 'work', primary: true },
        { value: secondEmail, type: 'home' },
      ],
    });
    expect([response.status, response.body.detail]).toEqual([201, undefined]);
    const created = response.body as { id: string; userName: string; emails: { value: string }[] };
    expect(created.userName).toBe(userName);
    expect(created.emails.map((email) => email.value)).toEqual(['jane@acme.com', secondEmail]);
    expect((await scim.filterUsers(`emails.value eq "${secondEmail}"`)).Resources.map((user: { id: string }) => user.id)).toEqual([created.id]);
    const patched = await scim.patch(`/Users/${created.id}`, [{ op: 'replace', path: 'externalId', value: longest(' patched') }]);
    expect(patched.status).toBe(200);
  });

  it('one byte over the limit is 400 invalidValue, also for a multi-byte string of fewer characters', async () => {
    const { scim } = await graphql.tenant();
    expectScimError(await scim.post('/Users', { schemas: [USER_SCHEMA], userName: longest('@acme.com') + 'x' }), 400, 'invalidValue');
    expectScimError(await scim.post('/Users', { schemas: [USER_SCHEMA], userName: '\u20ac'.repeat(683) }), 400, 'invalidValue');
  });

  it('a group displayName of 2,048 characters is created and found', async () => {
    const { scim } = await graphql.tenant();
    const displayName = longest(' group');
    const response = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName });
    expect(response.status).toBe(201);
    const found = await scim.get(`/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`);
    expect(found.body.Resources).toHaveLength(1);
  });
});
