/**
 * Documents for the discovery endpoints (RFC 7643 sections 5-7, RFC 7644 section 4), built from the
 * registry so that what `/Schemas` and `/ResourceTypes` advertise is exactly what the server resolves.
 */
import {
  LIST_RESPONSE_SCHEMA,
  USER_RESOURCE_TYPE,
  type AttributeDefinition,
  type ScimSchemaRegistry,
} from './schema-definitions';

export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export interface ServiceProviderConfigOptions {
  /** Public URL of the SCIM root, e.g. `https://host/scim/v2`; used for `meta.location`. */
  readonly baseUrl: string;
  readonly maxResults: number;
  readonly maxPayloadSize: number;
  readonly documentationUri?: string;
}

/** Operations one `POST /Bulk` may carry (its body is also bounded by maxPayloadSize). */
export const BULK_MAX_OPERATIONS = 1000;

function trimSlash(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

export function buildServiceProviderConfig(options: ServiceProviderConfigOptions): Record<string, unknown> {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    ...(options.documentationUri === undefined ? {} : { documentationUri: options.documentationUri }),
    patch: { supported: true },
    bulk: { supported: true, maxOperations: BULK_MAX_OPERATIONS, maxPayloadSize: options.maxPayloadSize },
    filter: { supported: true, maxResults: options.maxResults },
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
    meta: { resourceType: 'ServiceProviderConfig', location: `${trimSlash(options.baseUrl)}/ServiceProviderConfig` },
  };
}

/** Users first: the Microsoft collection asserts `Resources[0].endpoint == "/Users"`. */
export function buildResourceTypes(registry: ScimSchemaRegistry, baseUrl: string): Record<string, unknown>[] {
  const rank = (id: string) => (id === USER_RESOURCE_TYPE.id ? 0 : 1);
  return [...registry.resourceTypes]
    .sort((a, b) => rank(a.id) - rank(b.id))
    .map((type) => ({
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: type.id,
      name: type.name,
      endpoint: type.endpoint,
      description: type.description,
      schema: type.schema,
      schemaExtensions: type.schemaExtensions.map((extension) => ({ schema: extension.schema, required: extension.required })),
      meta: { resourceType: 'ResourceType', location: `${trimSlash(baseUrl)}/ResourceTypes/${type.id}` },
    }));
}

/** RFC 7643 section 7: every characteristic spelled out, optional lists only where the definition has them. */
function renderAttribute(definition: AttributeDefinition): Record<string, unknown> {
  return {
    name: definition.name,
    type: definition.type,
    multiValued: definition.multiValued,
    description: definition.description,
    required: definition.required,
    caseExact: definition.caseExact,
    mutability: definition.mutability,
    returned: definition.returned,
    uniqueness: definition.uniqueness,
    ...(definition.canonicalValues === undefined ? {} : { canonicalValues: [...definition.canonicalValues] }),
    ...(definition.referenceTypes === undefined ? {} : { referenceTypes: [...definition.referenceTypes] }),
    ...(definition.subAttributes === undefined ? {} : { subAttributes: definition.subAttributes.map(renderAttribute) }),
  };
}

export function buildSchemaDocuments(registry: ScimSchemaRegistry, baseUrl: string): Record<string, unknown>[] {
  return registry.schemas.map((schema) => ({
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(renderAttribute),
    meta: { resourceType: 'Schema', location: `${trimSlash(baseUrl)}/Schemas/${schema.id}` },
  }));
}

/** `Resources` is always present, `[]` when empty: Entra's Test Connection and the Microsoft collection rely on it. */
export function buildListResponse(resources: unknown[], options: { totalResults: number; startIndex: number }): Record<string, unknown> {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults: options.totalResults,
    itemsPerPage: resources.length,
    startIndex: options.startIndex,
    Resources: resources,
  };
}
