import { DateTimeResolver } from 'graphql-scalars';
import type { Logger } from 'pino';
import type { AuditContext } from '../../domain/audit';
import type { ApiKey, ApiScope } from '../../domain/tenants/api-access';
import type { Dialect, Tenant } from '../../domain/tenants/tenant';
import type { TenantUsage } from '../../persistence/repositories/operator.repository';
import type { OperatorKeyRecord } from '../../persistence/repositories/operator.repository';
import type { ApiAccessService } from '../../services/api-access.service';
import type { OperatorService } from '../../services/operator.service';
import type { TenantService } from '../../services/tenant.service';
import type { ScimOAuthService } from '../../services/scim-oauth.service';
import type { ConsoleAccessService } from '../../services/console-access.service';
import { SCIM_BASE_PATH } from '../../scim/scim-base-url';
import { isDomainError } from '../../domain/errors';

export interface OperatorServices {
  readonly operator: OperatorService;
  readonly tenants: TenantService;
  readonly access: ApiAccessService;
  readonly scimOAuth: ScimOAuthService;
  readonly consoleAccess: ConsoleAccessService;
}

export interface OperatorContext {
  readonly operatorKey: OperatorKeyRecord;
  readonly services: OperatorServices;
  /** The SCIM base URL as this request's client reaches the hub. */
  readonly scimBaseUrl: string;
  readonly log: Logger;
  readonly requestId: string;
}

/** A tenant as the operator API resolves it; its usage is read when asked for, unless the query already had it. */
interface OperatorTenant {
  readonly tenant: Tenant;
  readonly usage?: TenantUsage;
}

const audit = (context: OperatorContext): AuditContext => ({ actor: { type: 'operatorKey', id: context.operatorKey.id }, requestId: context.requestId });

const DIALECTS: Record<string, Dialect> = { ENTRA: 'entra', OKTA: 'okta', ONELOGIN: 'onelogin', GENERIC: 'generic' };

/** A console setup link for the tenant, its URL on the hub as this request's client reaches it. */
async function setupLink(context: OperatorContext, tenant: Tenant, expiresInHours: number | null) {
  const minted = await context.services.consoleAccess.mintSetupLink(tenant.id, { expiresInHours }, audit(context));
  const hubUrl = context.scimBaseUrl.slice(0, -SCIM_BASE_PATH.length);
  return { url: context.services.consoleAccess.setupLinkUrl(minted.token, hubUrl), expiresAt: new Date(minted.link.expiresAt) };
}

/** Resolvers of schema/operator.graphql: each a call to a service. */
export const operatorResolvers = {
  DateTime: DateTimeResolver,
  Scope: { READ: 'read', ADMIN: 'admin', OWNERSHIP: 'ownership' },
  Dialect: DIALECTS,
  Query: {
    async tenants(_: unknown, args: { first: number; after?: string | null }, context: OperatorContext) {
      const page = await context.services.operator.listTenants({ first: args.first, after: args.after ?? undefined });
      return { nodes: page.tenants, endCursor: page.tenants.at(-1)?.tenant.slug ?? null, hasNextPage: page.nextAfter !== null };
    },
    async tenant(_: unknown, args: { slug: string }, context: OperatorContext): Promise<OperatorTenant | null> {
      const tenant = await context.services.tenants.findTenantBySlug(args.slug);
      return tenant ? { tenant } : null;
    },
    async tenantApiKeys(_: unknown, args: { slug: string }, context: OperatorContext): Promise<ApiKey[]> {
      const tenant = await context.services.tenants.getTenantBySlug(args.slug);
      return context.services.access.listApiKeys(tenant.id);
    },
  },
  Mutation: {
    async createTenant(_: unknown, args: { input: { slug: string; name?: string | null; dialect: Dialect; scimTokenExpiresInDays?: number | null } }, context: OperatorContext) {
      const { input } = args;
      const created = await context.services.tenants.createTenant({
        slug: input.slug,
        name: input.name ?? undefined,
        dialect: input.dialect,
        tokenExpiresInDays: input.scimTokenExpiresInDays ?? undefined,
      });
      context.log.info({ tenantId: created.tenant.id, operatorKeyId: context.operatorKey.id }, 'tenant created by the operator API');
      return {
        tenant: { tenant: created.tenant },
        scimBaseUrl: context.scimBaseUrl,
        scimToken: created.scimToken,
        adminApiKey: created.adminApiKey,
        setupLink: await setupLink(context, created.tenant, null),
      };
    },
    async suspendTenant(_: unknown, args: { slug: string; reason?: string | null }, context: OperatorContext): Promise<OperatorTenant> {
      return { tenant: await context.services.operator.suspendTenant(args.slug, args.reason ?? null, audit(context)) };
    },
    async resumeTenant(_: unknown, args: { slug: string }, context: OperatorContext): Promise<OperatorTenant> {
      return { tenant: await context.services.operator.resumeTenant(args.slug, audit(context)) };
    },
    async deleteTenant(_: unknown, args: { slug: string; confirmSlug: string }, context: OperatorContext) {
      const { tenant, deletedRows } = await context.services.operator.deleteTenant(args.slug, args.confirmSlug);
      context.log.info({ tenantId: tenant.id, slug: tenant.slug, deletedRows, operatorKeyId: context.operatorKey.id }, 'tenant deleted by the operator API');
      const rows = Object.entries(deletedRows).map(([table, count]) => ({ table, rows: count }));
      return { slug: tenant.slug, deletedRows: rows, totalRows: rows.reduce((sum, row) => sum + row.rows, 0) };
    },
    async createTenantApiKey(_: unknown, args: { slug: string; name: string; scopes: ApiScope[] }, context: OperatorContext) {
      const tenant = await context.services.tenants.getTenantBySlug(args.slug);
      const created = await context.services.access.createApiKey(tenant.id, { name: args.name, scopes: args.scopes }, audit(context));
      return { apiKey: created.apiKey, secret: created.secret };
    },
    async revokeTenantApiKey(_: unknown, args: { slug: string; id: string }, context: OperatorContext): Promise<ApiKey> {
      const tenant = await context.services.tenants.getTenantBySlug(args.slug);
      return context.services.access.revokeApiKey(tenant.id, args.id, audit(context));
    },
    async issueScimOAuthClientSecret(_: unknown, args: { slug: string; tokenLifetimeMinutes?: number | null }, context: OperatorContext) {
      const tenant = await context.services.tenants.getTenantBySlug(args.slug);
      const issued = await context.services.scimOAuth.issueClientSecret(tenant.id, { tokenLifetimeMinutes: args.tokenLifetimeMinutes ?? undefined }, audit(context));
      return { ...issued, tokenEndpoint: `${context.scimBaseUrl}/oauth/token` };
    },
    async createTenantSetupLink(_: unknown, args: { slug: string; expiresInHours?: number | null }, context: OperatorContext) {
      return setupLink(context, await context.services.tenants.getTenantBySlug(args.slug), args.expiresInHours ?? null);
    },
    async revokeScimOAuthClient(_: unknown, args: { slug: string }, context: OperatorContext): Promise<boolean> {
      const tenant = await context.services.tenants.getTenantBySlug(args.slug);
      try {
        await context.services.scimOAuth.revokeClient(tenant.id, audit(context));
        return true;
      } catch (error) {
        if (isDomainError(error) && error.code === 'NOT_FOUND') return false;
        throw error;
      }
    },
  },
  Tenant: {
    id: (parent: OperatorTenant) => parent.tenant.id,
    slug: (parent: OperatorTenant) => parent.tenant.slug,
    name: (parent: OperatorTenant) => parent.tenant.name,
    createdAt: (parent: OperatorTenant) => parent.tenant.createdAt,
    suspended: (parent: OperatorTenant) => parent.tenant.suspendedAt !== null,
    suspendedAt: (parent: OperatorTenant) => parent.tenant.suspendedAt,
    suspensionReason: (parent: OperatorTenant, _: unknown, context: OperatorContext) =>
      parent.tenant.suspendedAt === null ? null : context.services.operator.suspensionReason(parent.tenant.id),
    scimBaseUrl: (_parent: OperatorTenant, _: unknown, context: OperatorContext) => context.scimBaseUrl,
    usage: async (parent: OperatorTenant, _: unknown, context: OperatorContext) => parent.usage ?? (await context.services.operator.tenant(parent.tenant.slug)).usage,
    scimOAuthClient: async (parent: OperatorTenant, _: unknown, context: OperatorContext) => {
      const client = await context.services.scimOAuth.client(parent.tenant.id);
      return client && { ...client, tokenEndpoint: `${context.scimBaseUrl}/oauth/token` };
    },
  },
};
