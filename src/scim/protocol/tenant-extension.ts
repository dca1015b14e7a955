import { scimPathOf, type DomainField, type DomainSchema } from '../../domain/mapping/domain-schema';
import type { AttributeDefinition, AttributeType, SchemaDefinition } from './schema-definitions';

const SCIM_TYPES: Record<DomainField['type'], AttributeType> = {
  text: 'string',
  option: 'string',
  enum: 'string',
  boolean: 'boolean',
  number: 'decimal',
  date: 'dateTime',
  reference: 'string',
};

/**
 * The tenant's own SCIM extension (`urn:ietf:params:scim:schemas:extension:<slug>:2.0:User`),
 * generated from the domain fields exposed under it, so `/Schemas` describes what the tenant's IdP
 * may send there (Business Unit, Region and every admin-defined field, under its own or derived name).
 */
export function buildTenantExtension(schema: DomainSchema): SchemaDefinition {
  const prefix = `${schema.customSchemaUrn}:`;
  const attributes: AttributeDefinition[] = schema.fields.flatMap((field) => {
    const path = scimPathOf(schema, field);
    if (path === undefined || !path.startsWith(prefix)) return [];
    const attribute: AttributeDefinition = {
      name: path.slice(prefix.length),
      type: SCIM_TYPES[field.type],
      multiValued: field.multiValued ?? false,
      description: field.description ?? field.label,
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
      ...(field.type === 'enum' && field.values ? { canonicalValues: field.values } : {}),
    };
    return [attribute];
  });
  return { id: schema.customSchemaUrn, name: 'TenantUser', description: 'Attributes this tenant defined for its users', attributes };
}
