/**
 * What a new tenant starts from, matching the seeds: the built-in fields (email, names, the
 * enterprise extension with Department, Business Unit and Region as dropdowns that add unknown values, roles
 * Admin / Manager / Contributor / Viewer) and one mapping preset per IdP dialect:
 * - entra:    role from userType (Tomorro's Entra guide), externalId from objectId;
 * - okta:     role from userType;
 * - onelogin: role from title (Tomorro's OneLogin guide), else userType (templates that put title there);
 * - generic:  role from userType, else title (the default for a new tenant).
 * Every preset reads the email from userName when it is an address (Tomorro: userName from mail),
 * else from the work or primary email, and Business Unit / Region from the tenant's extension.
 */
import type { Dialect } from '../tenants/tenant';
import type { DomainField, DomainSchema } from './domain-schema';
import type { MappingRuleDefinition, MappingSetDefinition } from './mapping-set';
import type { OptionList } from './option-list';
import { ENTERPRISE_USER_URN } from './source-path';

/** The seeds' role names; tenants rename them (one vendor's pricing plans: "Creator - Manager"). */
export const DEFAULT_ROLES: readonly string[] = ['Admin', 'Manager', 'Contributor', 'Viewer'];

/** The seeds' table from the IdP attribute to the role (Tomorro, Entra and OneLogin guides). */
export const SEED_ROLE_TABLE: Readonly<Record<string, string>> = { admin: 'Admin', manager: 'Manager', user: 'Contributor', viewer: 'Viewer' };

/** The role a user gets when the IdP sends none, or one the table does not know. */
export const DEFAULT_ROLE = 'Viewer';

/** The tenant's own SCIM extension URN. */
export function customSchemaUrnFor(tenantSlug: string): string {
  return `urn:ietf:params:scim:schemas:extension:${tenantSlug}:2.0:User`;
}

export function createDefaultDomainSchema(customSchemaUrn: string): DomainSchema {
  const text = (key: string, label: string, extra: Partial<DomainField> = {}): DomainField => ({ key, label, type: 'text', builtIn: true, ...extra });
  const enterprise = (attribute: string): { path: string } => ({ path: `${ENTERPRISE_USER_URN}:${attribute}` });
  return {
    customSchemaUrn,
    fields: [
      text('email', 'Email', { validators: { format: 'email', maxLength: 320 } }),
      text('externalId', 'External ID', { description: "The IdP's identifier of the user (Entra objectId, Okta user id)." }),
      text('givenName', 'First name', { validators: { maxLength: 256 } }),
      text('familyName', 'Last name', { validators: { maxLength: 256 } }),
      text('displayName', 'Display name', { validators: { maxLength: 256 } }),
      { key: 'active', label: 'Active', type: 'boolean', builtIn: true },
      text('userType', 'User type'),
      text('title', 'Title'),
      { key: 'department', label: 'Department', type: 'option', optionList: 'department', builtIn: true, scim: enterprise('department') },
      text('division', 'Division', { scim: enterprise('division') }),
      text('organization', 'Organization', { scim: enterprise('organization') }),
      text('costCenter', 'Cost center', { scim: enterprise('costCenter') }),
      text('employeeNumber', 'Employee number', { scim: enterprise('employeeNumber') }),
      {
        key: 'manager',
        label: 'Manager',
        type: 'reference',
        builtIn: true,
        scim: enterprise('manager'),
        description: "The manager's user id, as the IdP sent it in manager.value.",
      },
      {
        key: 'businessUnit',
        label: 'Business Unit',
        type: 'option',
        optionList: 'businessUnit',
        builtIn: true,
        scim: { path: `${customSchemaUrn}:businessUnit` },
      },
      { key: 'region', label: 'Region', type: 'option', optionList: 'region', builtIn: true, scim: { path: `${customSchemaUrn}:region` } },
      { key: 'appRoles', label: 'Roles', type: 'enum', multiValued: true, values: DEFAULT_ROLES, builtIn: true },
    ],
  };
}

/** Department, Business Unit and Region start empty and grow as IdPs send values (added case-insensitively, flagged for review). */
export function createDefaultOptionLists(): OptionList[] {
  return [
    { key: 'department', label: 'Department', values: [], onUnknown: 'addValue' },
    { key: 'businessUnit', label: 'Business Unit', values: [], onUnknown: 'addValue' },
    { key: 'region', label: 'Region', values: [], onUnknown: 'addValue' },
  ];
}

const ROLE_SOURCES: Readonly<Record<Dialect, readonly string[]>> = {
  entra: ['userType'],
  okta: ['userType'],
  onelogin: ['title', 'userType'],
  generic: ['userType', 'title'],
};

const DIALECT_DESCRIPTIONS: Readonly<Record<Dialect, string>> = {
  entra: 'Microsoft Entra ID: userName from mail, externalId from objectId, role from userType.',
  okta: 'Okta: userName is the email, role from userType.',
  onelogin: 'OneLogin: scimusername is the email, role from the Title attribute.',
  generic: 'Any SCIM client: role from userType, else title.',
};

export function createPresetMappingSet(dialect: Dialect, customSchemaUrn: string): MappingSetDefinition {
  const enterprise = (attribute: string): string => `${ENTERPRISE_USER_URN}:${attribute}`;
  const copy = (target: string, from: string, extra: Partial<MappingRuleDefinition> = {}): MappingRuleDefinition => ({ id: target, target, from, ...extra });
  const roleSources = ROLE_SOURCES[dialect];
  return {
    dialect,
    description: DIALECT_DESCRIPTIONS[dialect],
    rules: [
      {
        id: 'email',
        target: 'email',
        expr: 'coalesce(if(isEmail(src.userName), src.userName), src.emails[type eq "work"].value, src.emails[primary eq true].value, first(src.emails.value))',
        // Only a well-formed address is written, so an odd userName never fails the request.
        pipe: ['trim', 'lower', { expr: 'if(isEmail(value), value)' }],
      },
      copy('externalId', 'externalId'),
      copy('givenName', 'name.givenName', { pipe: ['trim'] }),
      copy('familyName', 'name.familyName', { pipe: ['trim'] }),
      {
        id: 'displayName',
        target: 'displayName',
        expr: 'coalesce(src.displayName, src.name.formatted, join([src.name.givenName, src.name.familyName], " "))',
        pipe: ['trim'],
      },
      // RFC 7643 leaves the default open; a user the IdP never called inactive is active.
      copy('active', 'active', { onNull: 'default:true' }),
      copy('userType', 'userType', { pipe: ['trim'] }),
      copy('title', 'title', { pipe: ['trim'] }),
      ...['department', 'division', 'organization', 'costCenter', 'employeeNumber'].map((attribute) =>
        copy(attribute, enterprise(attribute), { pipe: ['trim'] }),
      ),
      copy('manager', enterprise('manager.value')),
      copy('businessUnit', `${customSchemaUrn}:businessUnit`),
      copy('region', `${customSchemaUrn}:region`),
      {
        id: 'role',
        target: 'appRoles',
        from: roleSources.length === 1 ? roleSources[0] : [...roleSources],
        pipe: ['trim', { map: { ...SEED_ROLE_TABLE }, default: DEFAULT_ROLE }],
        description: `The role from ${roleSources.join(', else ')}: ${Object.entries(SEED_ROLE_TABLE)
          .map(([source, role]) => `${source} -> ${role}`)
          .join(', ')}, anything else -> ${DEFAULT_ROLE}.`,
      },
    ],
  };
}
