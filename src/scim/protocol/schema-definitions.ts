/**
 * RFC 7643 attribute definitions (sections 4 and 8.7) and a registry that resolves attribute names
 * case-insensitively. Everything that needs to know "what is this attribute" asks the registry:
 * request normalisation, PATCH, filter translation, projection and the /Schemas document.
 */

export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDefinition[];
}

export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

export interface ResourceTypeDefinition {
  readonly id: 'User' | 'Group';
  readonly name: string;
  readonly endpoint: '/Users' | '/Groups';
  readonly description: string;
  readonly schema: string;
  readonly schemaExtensions: readonly { readonly schema: string; readonly required: boolean }[];
}

export const CORE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

type AttributeOptions = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description'>>;

function attribute(name: string, type: AttributeType, description: string, options: AttributeOptions = {}): AttributeDefinition {
  return {
    name,
    type,
    description,
    multiValued: false,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
}

function complex(name: string, description: string, subAttributes: AttributeDefinition[], options: AttributeOptions = {}) {
  return attribute(name, 'complex', description, { ...options, subAttributes });
}

/** The `type`/`primary`/`display`/`value` quartet of RFC 7643 section 2.4, with per-attribute canonical types. */
function multiValuedStrings(name: string, description: string, canonicalTypes: string[], valueType: AttributeType = 'string') {
  return complex(
    name,
    description,
    [
      attribute('value', valueType, `The ${name} value.`),
      attribute('display', 'string', 'A human-readable name, primarily used for display purposes.'),
      attribute('type', 'string', `A label indicating the attribute's function.`, { canonicalValues: canonicalTypes }),
      attribute('primary', 'boolean', `A Boolean value indicating the 'primary' or preferred attribute value for this attribute.`),
    ],
    { multiValued: true },
  );
}

const id = attribute('id', 'string', 'Unique identifier for the SCIM resource as defined by the Service Provider.', {
  caseExact: true,
  mutability: 'readOnly',
  returned: 'always',
  uniqueness: 'server',
});
const externalId = attribute('externalId', 'string', 'A String that is an identifier for the resource as defined by the provisioning client.', {
  caseExact: true,
});
const meta = complex(
  'meta',
  'A complex attribute containing resource metadata.',
  [
    attribute('resourceType', 'string', 'The name of the resource type of the resource.', { caseExact: true, mutability: 'readOnly' }),
    attribute('created', 'dateTime', 'The "DateTime" that the resource was added to the service provider.', { mutability: 'readOnly' }),
    attribute('lastModified', 'dateTime', 'The most recent DateTime that the details of this resource were updated.', { mutability: 'readOnly' }),
    attribute('location', 'reference', 'The URI of the resource being returned.', { mutability: 'readOnly', caseExact: true, referenceTypes: ['uri'] }),
    attribute('version', 'string', 'The version of the resource being returned.', { mutability: 'readOnly', caseExact: true }),
  ],
  { mutability: 'readOnly' },
);

/** `id`, `externalId` and `meta` are common to every resource (RFC 7643 section 3.1) and live outside any schema. */
export const COMMON_ATTRIBUTES: readonly AttributeDefinition[] = [id, externalId, meta];

export const USER_SCHEMA: SchemaDefinition = {
  id: CORE_USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    attribute('userName', 'string', 'Unique identifier for the User, typically used by the user to directly authenticate to the service provider.', {
      required: true,
      uniqueness: 'server',
    }),
    complex('name', `The components of the user's real name.`, [
      attribute('formatted', 'string', 'The full name, including all middle names, titles, and suffixes as appropriate, formatted for display.'),
      attribute('familyName', 'string', 'The family name of the User.'),
      attribute('givenName', 'string', 'The given name of the User.'),
      attribute('middleName', 'string', 'The middle name(s) of the User.'),
      attribute('honorificPrefix', 'string', 'The honorific prefix(es) of the User.'),
      attribute('honorificSuffix', 'string', 'The honorific suffix(es) of the User.'),
    ]),
    attribute('displayName', 'string', 'The name of the User, suitable for display to end-users.'),
    attribute('nickName', 'string', 'The casual way to address the user in real life.'),
    attribute('profileUrl', 'reference', `A fully qualified URL pointing to a page representing the User's online profile.`, { referenceTypes: ['external'] }),
    attribute('title', 'string', `The user's title, such as "Vice President."`),
    attribute('userType', 'string', 'Used to identify the relationship between the organization and the user.'),
    attribute('preferredLanguage', 'string', `Indicates the User's preferred written or spoken language.`),
    attribute('locale', 'string', `Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations.`),
    attribute('timezone', 'string', `The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'.`),
    attribute('active', 'boolean', `A Boolean value indicating the User's administrative status.`),
    attribute('password', 'string', `The User's cleartext password.`, { mutability: 'writeOnly', returned: 'never' }),
    multiValuedStrings('emails', 'Email addresses for the user.', ['work', 'home', 'other']),
    multiValuedStrings('phoneNumbers', 'Phone numbers for the User.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
    multiValuedStrings('ims', 'Instant messaging addresses for the User.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
    multiValuedStrings('photos', 'URLs of photos of the User.', ['photo', 'thumbnail'], 'reference'),
    complex(
      'addresses',
      'A physical mailing address for this User.',
      [
        attribute('formatted', 'string', 'The full mailing address, formatted for display or use with a mailing label.'),
        attribute('streetAddress', 'string', 'The full street address component.'),
        attribute('locality', 'string', 'The city or locality component.'),
        attribute('region', 'string', 'The state or region component.'),
        attribute('postalCode', 'string', 'The zip code or postal code component.'),
        attribute('country', 'string', 'The country name component.'),
        attribute('type', 'string', 'A label indicating the attribute\'s function.', { canonicalValues: ['work', 'home', 'other'] }),
        attribute('primary', 'boolean', 'A Boolean value indicating the primary address.'),
      ],
      { multiValued: true },
    ),
    complex(
      'groups',
      'A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.',
      [
        attribute('value', 'string', 'The identifier of the User\'s group.', { mutability: 'readOnly' }),
        attribute('$ref', 'reference', 'The URI of the corresponding \'Group\' resource to which the user belongs.', {
          mutability: 'readOnly',
          referenceTypes: ['User', 'Group'],
        }),
        attribute('display', 'string', 'A human-readable name, primarily used for display purposes.', { mutability: 'readOnly' }),
        attribute('type', 'string', 'A label indicating the attribute\'s function.', { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
      ],
      { multiValued: true, mutability: 'readOnly' },
    ),
    multiValuedStrings('entitlements', 'A list of entitlements for the User that represent a thing the User has.', []),
    multiValuedStrings('roles', 'A list of roles for the User that collectively represent who the User is.', []),
    multiValuedStrings('x509Certificates', 'A list of certificates issued to the User.', [], 'binary'),
  ],
};

export const ENTERPRISE_USER_SCHEMA_DEFINITION: SchemaDefinition = {
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    attribute('employeeNumber', 'string', 'Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization.'),
    attribute('costCenter', 'string', 'Identifies the name of a cost center.'),
    attribute('organization', 'string', 'Identifies the name of an organization.'),
    attribute('division', 'string', 'Identifies the name of a division.'),
    attribute('department', 'string', 'Identifies the name of a department.'),
    complex('manager', `The User's manager.`, [
      attribute('value', 'string', 'The id of the SCIM resource representing the User\'s manager.', { caseExact: true }),
      attribute('$ref', 'reference', 'The URI of the SCIM resource representing the User\'s manager.', { referenceTypes: ['User'] }),
      attribute('displayName', 'string', 'The displayName of the User\'s manager.', { mutability: 'readOnly' }),
    ]),
  ],
};

export const GROUP_SCHEMA: SchemaDefinition = {
  id: CORE_GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: [
    attribute('displayName', 'string', 'A human-readable name for the Group.', { required: true, uniqueness: 'server' }),
    complex(
      'members',
      'A list of members of the Group.',
      [
        attribute('value', 'string', 'Identifier of the member of this Group.', { caseExact: true, mutability: 'immutable' }),
        attribute('$ref', 'reference', 'The URI corresponding to a SCIM resource that is a member of this Group.', {
          mutability: 'immutable',
          referenceTypes: ['User', 'Group'],
        }),
        attribute('display', 'string', 'A human-readable name for the member.', { mutability: 'immutable' }),
        attribute('type', 'string', 'A label indicating the type of resource, e.g., \'User\' or \'Group\'.', {
          mutability: 'immutable',
          canonicalValues: ['User', 'Group'],
        }),
      ],
      { multiValued: true },
    ),
  ],
};

export const USER_RESOURCE_TYPE: ResourceTypeDefinition = {
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: CORE_USER_SCHEMA,
  schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
};

export const GROUP_RESOURCE_TYPE: ResourceTypeDefinition = {
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: CORE_GROUP_SCHEMA,
  schemaExtensions: [],
};

export interface ResolvedAttribute {
  /** URN of the schema that defines the attribute; undefined for the common attributes (id, externalId, meta). */
  readonly schema: string | undefined;
  /** True when the attribute sits in an extension, i.e. under the extension's URN key in the resource JSON. */
  readonly inExtension: boolean;
  readonly definition: AttributeDefinition;
  readonly subAttribute?: AttributeDefinition;
}

function findByName<T extends { readonly name: string }>(items: readonly T[], name: string): T | undefined {
  const wanted = name.toLowerCase();
  return items.find((item) => item.name.toLowerCase() === wanted);
}

export function findSubAttribute(parent: AttributeDefinition, name: string): AttributeDefinition | undefined {
  return findByName(parent.subAttributes ?? [], name);
}

/**
 * The schemas a tenant's server knows. Built per tenant once custom extensions exist; the default
 * instance covers the RFC core, the enterprise extension and Group.
 */
export class ScimSchemaRegistry {
  private readonly schemasById = new Map<string, SchemaDefinition>();

  constructor(
    schemas: readonly SchemaDefinition[],
    readonly resourceTypes: readonly ResourceTypeDefinition[],
  ) {
    for (const schema of schemas) this.schemasById.set(schema.id.toLowerCase(), schema);
  }

  get schemas(): SchemaDefinition[] {
    return [...this.schemasById.values()];
  }

  schema(urn: string): SchemaDefinition | undefined {
    return this.schemasById.get(urn.toLowerCase());
  }

  resourceType(id: ResourceTypeDefinition['id']): ResourceTypeDefinition {
    const found = this.resourceTypes.find((type) => type.id === id);
    if (!found) throw new Error(`resource type ${id} is not registered`);
    return found;
  }

  /** Extension URNs of a resource type, canonical spelling. */
  extensionUrns(resourceTypeId: ResourceTypeDefinition['id']): string[] {
    return this.resourceType(resourceTypeId).schemaExtensions.map((extension) => extension.schema);
  }

  /** Canonical spelling of a schema URN that belongs to the resource type (core or extension), else undefined. */
  canonicalSchemaUrn(resourceTypeId: ResourceTypeDefinition['id'], urn: string): string | undefined {
    const type = this.resourceType(resourceTypeId);
    const wanted = urn.toLowerCase();
    if (type.schema.toLowerCase() === wanted) return type.schema;
    return type.schemaExtensions.find((extension) => extension.schema.toLowerCase() === wanted)?.schema;
  }

  /**
   * Resolves `attribute` (and optionally `subAttribute`) of a resource type, case-insensitively.
   * With a schema URN, only that schema is searched; without one, the common attributes and the
   * core schema are (extension attributes always need their URN, RFC 7644 section 3.10).
   */
  resolve(
    resourceTypeId: ResourceTypeDefinition['id'],
    path: { readonly schema?: string; readonly attribute: string; readonly subAttribute?: string },
  ): ResolvedAttribute | undefined {
    const type = this.resourceType(resourceTypeId);
    let schemaUrn: string | undefined;
    let definition: AttributeDefinition | undefined;
    if (path.schema !== undefined) {
      schemaUrn = this.canonicalSchemaUrn(resourceTypeId, path.schema);
      if (!schemaUrn) return undefined;
      definition = findByName(this.schema(schemaUrn)?.attributes ?? [], path.attribute);
      if (!definition && schemaUrn === type.schema) definition = findByName(COMMON_ATTRIBUTES, path.attribute);
    } else {
      definition = findByName(COMMON_ATTRIBUTES, path.attribute);
      if (!definition) {
        schemaUrn = type.schema;
        definition = findByName(this.schema(type.schema)?.attributes ?? [], path.attribute);
      }
    }
    if (!definition) return undefined;
    const inExtension = schemaUrn !== undefined && schemaUrn !== type.schema;
    if (path.subAttribute === undefined) return { schema: schemaUrn, inExtension, definition };
    const subAttribute = findSubAttribute(definition, path.subAttribute);
    if (!subAttribute) return undefined;
    return { schema: schemaUrn, inExtension, definition, subAttribute };
  }
}

export function createDefaultSchemaRegistry(extraUserExtensions: readonly SchemaDefinition[] = []): ScimSchemaRegistry {
  const userType: ResourceTypeDefinition = {
    ...USER_RESOURCE_TYPE,
    schemaExtensions: [
      ...USER_RESOURCE_TYPE.schemaExtensions,
      ...extraUserExtensions.map((schema) => ({ schema: schema.id, required: false })),
    ],
  };
  return new ScimSchemaRegistry(
    [USER_SCHEMA, ENTERPRISE_USER_SCHEMA_DEFINITION, GROUP_SCHEMA, ...extraUserExtensions],
    [userType, GROUP_RESOURCE_TYPE],
  );
}
