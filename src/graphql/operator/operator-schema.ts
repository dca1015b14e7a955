/**
 * The operator API's schema, SDL first (its resolvers are operator.resolvers.ts). `npm run graphql:generate`
 * writes it to schema/operator.graphql, committed beside the tenant API's schema; a test keeps the two equal.
 */
export const OPERATOR_SCHEMA_SDL = `"""
The operator API (POST /operator/graphql): what the company running the hub does above its tenants.
Authenticate with an operator key (\`Authorization: Bearer ihop_...\`, created by
\`npm run cli -- operator-key create\`). Tenant API keys are refused here, and operator keys are refused on
/graphql: an operator sees tenants, their usage and credential metadata, never their users.
Secrets (SCIM token, admin API key, setup link) are returned once, by the mutation that creates them.
"""
schema {
  query: Query
  mutation: Mutation
}

"An ISO 8601 date and time in UTC."
scalar DateTime

type Query {
  "Tenants ordered by slug, \`first\` (1-100, default 50) at a time after the slug \`after\`."
  tenants(first: Int = 50, after: String): TenantPage!
  "One tenant by slug; null when there is none."
  tenant(slug: String!): Tenant
  "The tenant's API keys (never their secrets), revoked ones included."
  tenantApiKeys(slug: String!): [ApiKey!]!
}

type Mutation {
  "Creates a tenant with its IdP connection, SCIM token and first admin API key."
  createTenant(input: CreateTenantInput!): CreateTenantPayload!
  "Suspends a tenant: SCIM answers 403 and GraphQL TENANT_SUSPENDED until it is resumed; nothing is deleted. Emits tenant.suspended."
  suspendTenant(slug: String!, reason: String): Tenant!
  "Resumes a suspended tenant. Emits tenant.resumed."
  resumeTenant(slug: String!): Tenant!
  "Deletes the tenant and every row it owns in every table. confirmSlug must repeat the slug."
  deleteTenant(slug: String!, confirmSlug: String!): DeleteTenantPayload!
  "Issues a new API key for the tenant (e.g. to replace a lost admin key); its secret is shown once."
  createTenantApiKey(slug: String!, name: String!, scopes: [Scope!]!): CreateTenantApiKeyPayload!
  "Revokes one of the tenant's API keys at once (its last active admin key is kept)."
  revokeTenantApiKey(slug: String!, id: ID!): ApiKey!
  "Issues the SCIM OAuth client (client credentials grant) of the tenant's connection, or rotates its secret: the old secret and every access token it obtained stop working. tokenLifetimeMinutes: 60-360 (default 60, or the current setting)."
  issueScimOAuthClientSecret(slug: String!, tokenLifetimeMinutes: Int): IssuedScimOAuthClient!
  "Removes the SCIM OAuth client: its secret and access tokens stop working; the static SCIM token is untouched. False when there was none."
  revokeScimOAuthClient(slug: String!): Boolean!
  "Mints a one-time link that opens the tenant's admin console (expiresInHours: default CONSOLE_SETUP_LINK_HOURS, at most 720)."
  createTenantSetupLink(slug: String!, expiresInHours: Int): SetupLink!
}

"A one-time link into a tenant's admin console: shown once, only its hash is stored."
type SetupLink {
  url: String!
  expiresAt: DateTime!
}

"What a credential may do on the tenant's GraphQL API: READ queries, ADMIN configuration (implies READ), OWNERSHIP registering owners."
enum Scope {
  READ
  ADMIN
  OWNERSHIP
}

"The IdP the tenant's connection speaks to (SCIM quirks and mapping presets)."
enum Dialect {
  ENTRA
  OKTA
  ONELOGIN
  GENERIC
}

type Tenant {
  id: ID!
  slug: String!
  name: String!
  createdAt: DateTime!
  suspended: Boolean!
  "When the tenant was suspended; null while it is active."
  suspendedAt: DateTime
  suspensionReason: String
  "The SCIM base URL (tenant URL) its IdP provisions to; its SCIM credentials name the tenant."
  scimBaseUrl: String!
  usage: TenantUsage!
  "The OAuth client IdPs may use instead of the static SCIM token; null when none was issued."
  scimOAuthClient: ScimOAuthClient
}

type ScimOAuthClient {
  clientId: String!
  "Where the IdP trades client id and secret for an access token: {SCIM base}/oauth/token."
  tokenEndpoint: String!
  tokenLifetimeMinutes: Int!
  secretCreatedAt: DateTime!
}

type IssuedScimOAuthClient {
  clientId: String!
  "Shown once: only its hash is stored."
  clientSecret: String!
  tokenEndpoint: String!
  tokenLifetimeMinutes: Int!
}

type TenantUsage {
  users: Int!
  groups: Int!
  "The newest SCIM request in the provisioning log (which keeps entries for PROVISIONING_LOG_RETENTION_DAYS)."
  lastScimRequestAt: DateTime
  "When the static SCIM token expires; null when it never does."
  scimTokenExpiresAt: DateTime
}

type TenantPage {
  nodes: [Tenant!]!
  "Pass as \`after\` for the next page."
  endCursor: String
  hasNextPage: Boolean!
}

input CreateTenantInput {
  "1-63 lower-case letters, digits and dashes, not starting or ending with a dash."
  slug: String!
  name: String
  dialect: Dialect = GENERIC
  "Days until the SCIM token expires; it never does when omitted."
  scimTokenExpiresInDays: Int
}

type CreateTenantPayload {
  tenant: Tenant!
  scimBaseUrl: String!
  "Shown once: only its hash is stored."
  scimToken: String!
  "Shown once: only its hash is stored."
  adminApiKey: String!
  "A one-time link for the tenant's admin to open the console (CONSOLE_SETUP_LINK_HOURS)."
  setupLink: SetupLink!
}

type DeleteTenantPayload {
  slug: String!
  "Rows deleted per table (every table that holds tenant rows, and tenants itself)."
  deletedRows: [TableRowCount!]!
  totalRows: Int!
}

type TableRowCount {
  table: String!
  rows: Int!
}

type ApiKey {
  id: ID!
  name: String!
  scopes: [Scope!]!
  createdAt: DateTime!
  "When it stopped working; null while it works."
  revokedAt: DateTime
}

type CreateTenantApiKeyPayload {
  apiKey: ApiKey!
  "Shown once: only its hash is stored."
  secret: String!
}
`;
