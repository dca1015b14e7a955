import { customSchemaUrnFor } from '../../src/domain/mapping/presets';
import { testDatabaseKind } from '../support/test-app';
import { USER_SCHEMA } from '../support/scim-client';
import { errorCodes, useGraphqlHub } from '../graphql/graphql-hub';
import {
  AuditEventsDocument,
  CreateApiKeyDocument,
  DomainSchemaDocument,
  OptionListDocument,
  OptionListsDocument,
  ProvisioningLogDocument,
  ReviewOptionValueDocument,
} from '../graphql/generated/operations';

/** Issue 5, admin scope: the domain schema, option lists and their review, the audit trail and the provisioning log. */
describe(`GraphQL domain schema and logs on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  it('domainSchema lists the active fields (seeding the defaults for a tenant without SCIM writes)', async () => {
    const tenant = await graphql.tenant();
    const { domainSchema } = await tenant.admin.data(DomainSchemaDocument);
    const urn = customSchemaUrnFor(tenant.credentials.tenant.slug);
    expect(domainSchema.customSchemaUrn).toBe(urn);
    const byKey = new Map(domainSchema.fields.map((field) => [field.key, field]));
    expect(byKey.get('region')).toEqual({ key: 'region', label: 'Region', type: 'option', multiValued: false, required: false, optionList: 'region', scimPath: `${urn}:region` });
    expect(byKey.get('appRoles')).toMatchObject({ type: 'enum', multiValued: true, optionList: null, scimPath: null });
  });

  it('option lists show auto-added values as pending with their origin; an admin approves them', async () => {
    const tenant = await graphql.tenant();
    const urn = customSchemaUrnFor(tenant.credentials.tenant.slug);
    await tenant.scim.createUser('eu@example.com', { schemas: [USER_SCHEMA, urn], [urn]: { region: ' Nordics ', businessUnit: 'Retail' } });
    const lists = (await tenant.admin.data(OptionListsDocument)).optionLists;
    expect(lists.map((list) => [list.key, list.onUnknown, list.values])).toEqual([
      ['department', 'addValue', []],
      ['businessUnit', 'addValue', [{ value: 'Retail', reviewStatus: 'pending' }]],
      ['region', 'addValue', [{ value: 'Nordics', reviewStatus: 'pending' }]],
    ]);
    const region = (await tenant.admin.data(OptionListDocument, { key: 'region' })).optionList;
    expect(region?.values[0]).toMatchObject({ value: 'Nordics', aliases: [], addedBy: `connection:${tenant.credentials.connection.id}` });
    expect(region?.values[0].sourceRequestId).toEqual(expect.any(String));
    expect((await tenant.admin.data(OptionListDocument, { key: 'nope' })).optionList).toBeNull();

    const approved = await tenant.admin.data(ReviewOptionValueDocument, { input: { list: 'region', value: 'NORDICS', approve: true } });
    expect(approved.reviewOptionValue.optionValue).toEqual({ value: 'Nordics', reviewStatus: 'approved' });
    expect((await tenant.admin.data(OptionListDocument, { key: 'region' })).optionList?.values[0].reviewStatus).toBe('approved');
    const back = await tenant.admin.data(ReviewOptionValueDocument, { input: { list: 'region', value: 'Nordics', approve: false } });
    expect(back.reviewOptionValue.optionValue.reviewStatus).toBe('pending');
    expect(errorCodes(await tenant.admin.send(ReviewOptionValueDocument, { input: { list: 'region', value: 'Atlantis', approve: true } }))).toEqual(['NOT_FOUND']);
  });

  it('auditEvents pages the trail newest first and filters it', async () => {
    const tenant = await graphql.tenant();
    for (const name of ['one', 'two', 'three']) await tenant.admin.data(CreateApiKeyDocument, { input: { name, scopes: ['READ'] } });
    const first = await tenant.admin.data(AuditEventsDocument, { filter: { action: 'api_key.created' }, first: 2 });
    expect(first.auditEvents.nodes).toHaveLength(2);
    expect(first.auditEvents.nodes[0]).toMatchObject({ action: 'api_key.created', actor: { type: 'apiKey' }, target: { type: 'apiKey' } });
    expect(first.auditEvents.pageInfo.hasNextPage).toBe(true);
    const rest = await tenant.admin.data(AuditEventsDocument, { filter: { action: 'api_key.created' }, first: 2, after: first.auditEvents.pageInfo.endCursor });
    expect(rest.auditEvents.nodes).toHaveLength(1);
    expect(rest.auditEvents.pageInfo.hasNextPage).toBe(false);
    const times = [...first.auditEvents.nodes, ...rest.auditEvents.nodes].map((event) => event.at);
    expect([...times].sort().reverse()).toEqual(times);
    expect((await tenant.admin.data(AuditEventsDocument, { filter: { action: 'no.such' } })).auditEvents.nodes).toEqual([]);
    expect((await tenant.admin.data(AuditEventsDocument, { filter: { to: '2000-01-01T00:00:00Z' } })).auditEvents.nodes).toEqual([]);
  });

  it('provisioningLog lists the SCIM requests of the tenant, filtered by outcome', async () => {
    const tenant = await graphql.tenant();
    const user = await tenant.scim.createUser('logged@example.com');
    await tenant.scim.get('/Users/00000000-0000-4000-8000-000000000000');
    await graphql.hub.hub.services.provisioningLog.flush();
    const all = (await tenant.admin.data(ProvisioningLogDocument, {})).provisioningLog.nodes;
    expect(all.map((entry) => [entry.method, entry.status])).toEqual([
      ['GET', 404],
      ['POST', 201],
    ]);
    expect(all[1]).toMatchObject({ resourceType: 'User', resourceId: user.id });
    const failed = (await tenant.admin.data(ProvisioningLogDocument, { filter: { failed: true } })).provisioningLog.nodes;
    expect(failed.map((entry) => entry.status)).toEqual([404]);
    expect((await tenant.admin.data(ProvisioningLogDocument, { filter: { resourceId: user.id } })).provisioningLog.nodes).toHaveLength(1);
  });

  it('every admin surface refuses a read-only key', async () => {
    const tenant = await graphql.tenant();
    const key = await tenant.admin.data(CreateApiKeyDocument, { input: { name: 'reader', scopes: ['READ'] } });
    const reader = tenant.client(key.createApiKey.secret);
    expect(errorCodes(await reader.send(DomainSchemaDocument))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await reader.send(OptionListsDocument))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await reader.send(ReviewOptionValueDocument, { input: { list: 'region', value: 'x', approve: true } }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await reader.send(AuditEventsDocument, {}))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await reader.send(ProvisioningLogDocument, {}))).toEqual(['FORBIDDEN']);
  });
});
