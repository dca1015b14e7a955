import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCIM_SCHEMA_DIRECTORY, renderScimSchemaFiles } from '../../../scripts/emit-scim-schemas';
import {
  RESOURCE_TYPE_SCHEMA,
  SCHEMA_SCHEMA,
  SERVICE_PROVIDER_CONFIG_SCHEMA,
  buildListResponse,
  buildResourceTypes,
  buildSchemaDocuments,
  buildServiceProviderConfig,
} from '../../../src/scim/protocol/discovery';
import {
  CORE_GROUP_SCHEMA,
  CORE_USER_SCHEMA,
  ENTERPRISE_USER_SCHEMA,
  LIST_RESPONSE_SCHEMA,
  ScimSchemaRegistry,
  createDefaultSchemaRegistry,
  type SchemaDefinition,
} from '../../../src/scim/protocol/schema-definitions';

const baseUrl = 'https://idp.example/scim/v2';
const registry = createDefaultSchemaRegistry();

const CHARACTERISTICS = ['name', 'type', 'multiValued', 'description', 'required', 'caseExact', 'mutability', 'returned', 'uniqueness'];

type Json = Record<string, unknown>;

function everyAttribute(attributes: Json[]): Json[] {
  return attributes.flatMap((attribute) => [attribute, ...everyAttribute((attribute.subAttributes as Json[] | undefined) ?? [])]);
}

describe('buildServiceProviderConfig', () => {
  const config = buildServiceProviderConfig({ baseUrl: `${baseUrl}/`, maxResults: 100, maxPayloadSize: 2048 });

  it('advertises what the server does (D1)', () => {
    expect(config).toStrictEqual({
      schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 2048 },
      filter: { supported: true, maxResults: 100 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      authenticationSchemes: [
        {
          type: 'oauthbearertoken',
          name: 'OAuth Bearer Token',
          description: 'Authentication scheme using the OAuth Bearer Token Standard',
          specUri: 'https://www.rfc-editor.org/info/rfc6750',
          primary: true,
        },
      ],
      meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
    });
  });

  it('includes documentationUri only when given', () => {
    const withDocs = buildServiceProviderConfig({ baseUrl, maxResults: 1, maxPayloadSize: 1, documentationUri: 'https://docs.example' });
    expect(withDocs.documentationUri).toBe('https://docs.example');
    expect(config).not.toHaveProperty('documentationUri');
  });
});

describe('buildResourceTypes (D2)', () => {
  const types = buildResourceTypes(registry, baseUrl);

  it('lists Users first, then Groups', () => {
    expect(types.map((type) => type.endpoint)).toEqual(['/Users', '/Groups']);
  });

  it('keeps Users first whatever the registry order', () => {
    const reversed = new ScimSchemaRegistry(registry.schemas, [...registry.resourceTypes].reverse());
    expect(buildResourceTypes(reversed, baseUrl)[0]?.endpoint).toBe('/Users');
  });

  it('renders the User resource type with the enterprise extension', () => {
    expect(types[0]).toStrictEqual({
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: CORE_USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
    });
    expect(types[1]).toMatchObject({ id: 'Group', schema: CORE_GROUP_SCHEMA, schemaExtensions: [] });
  });
});

describe('buildSchemaDocuments (D3)', () => {
  const documents = buildSchemaDocuments(registry, baseUrl);

  it('covers core User, EnterpriseUser and Group', () => {
    expect(documents.map((document) => document.id)).toEqual([CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA, CORE_GROUP_SCHEMA]);
  });

  it('describes the core User schema as "User Account" (Microsoft collection)', () => {
    expect(documents.find((document) => document.id === CORE_USER_SCHEMA)?.description).toBe('User Account');
    expect(JSON.stringify(documents)).toContain('User Account');
  });

  it.each(documents.map((document) => [document.id, document] as const))('%s carries its schema header and meta', (id, document) => {
    expect(document).toMatchObject({
      schemas: [SCHEMA_SCHEMA],
      id,
      name: expect.any(String),
      description: expect.any(String),
      meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${id}` },
    });
  });

  it.each(documents.map((document) => [document.id, document] as const))('%s spells out every RFC 7643 characteristic', (_id, document) => {
    const attributes = everyAttribute(document.attributes as Json[]);
    expect(attributes.length).toBeGreaterThan(0);
    for (const attribute of attributes) {
      for (const characteristic of CHARACTERISTICS) expect(attribute).toHaveProperty(characteristic);
      expect(attribute.type === 'complex').toBe(Array.isArray(attribute.subAttributes));
    }
  });

  it('keeps canonicalValues and referenceTypes where defined', () => {
    const user = documents[0]?.attributes as Json[];
    const emailType = everyAttribute(user.filter((attribute) => attribute.name === 'emails')).find((attribute) => attribute.name === 'type');
    expect(emailType?.canonicalValues).toEqual(['work', 'home', 'other']);
    const profileUrl = user.find((attribute) => attribute.name === 'profileUrl');
    expect(profileUrl?.referenceTypes).toEqual(['external']);
    expect(user.find((attribute) => attribute.name === 'userName')).not.toHaveProperty('canonicalValues');
  });

  it('lists a custom extension', () => {
    const custom: SchemaDefinition = { id: 'urn:example:custom:1.0:User', name: 'Custom', description: 'Custom', attributes: [] };
    const ids = buildSchemaDocuments(createDefaultSchemaRegistry([custom]), baseUrl).map((document) => document.id);
    expect(ids).toContain(custom.id);
  });
});

describe('buildListResponse', () => {
  it.each([
    [[], 0, 1],
    [[{ id: 'a' }, { id: 'b' }], 5, 1],
    [[{ id: 'c' }], 5, 5],
  ])('wraps %j (total %d, start %d)', (resources, totalResults, startIndex) => {
    expect(buildListResponse(resources, { totalResults, startIndex })).toStrictEqual({
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults,
      itemsPerPage: resources.length,
      startIndex,
      Resources: resources,
    });
  });
});

describe('committed schema/scim files', () => {
  it.each(Object.entries(renderScimSchemaFiles()))('%s is up to date (run scripts/emit-scim-schemas.ts)', (fileName, content) => {
    expect(readFileSync(join(SCIM_SCHEMA_DIRECTORY, fileName), 'utf8')).toBe(content);
  });
});
