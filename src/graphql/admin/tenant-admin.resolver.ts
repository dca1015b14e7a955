import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { OidcProvider as OidcProviderValue } from '../../domain/tenants/api-access';
import type { TenantSettings, TenantSettingsChange } from '../../domain/tenants/tenant';
import type { RotatedScimToken, ScimConnectionStatus } from '../../services/tenant.service';
import { auditContextOf, type GraphqlContext } from '../context';
import { Scope } from '../scope';
import { ConfigureOidcProviderInput, RotateScimTokenInput, SetScimConnectionDialectInput, SetScimTokenExpiryInput, UpdateTenantSettingsInput } from './tenant-admin.input';
import {
  ConfigureOidcProviderPayload,
  RemoveOidcProviderPayload,
  RotateScimTokenPayload,
  ScimConnection,
  SetScimConnectionDialectPayload,
  SetScimTokenExpiryPayload,
  UpdateTenantSettingsPayload,
} from './tenant-admin.payload';

/** Every SCIM token starts with this (domain/tenants/secret-token.ts), so scanners can spot a leaked one. */
const SCIM_TOKEN_PREFIX = 'ihscim_';

function toScimConnection({ connection, token }: ScimConnectionStatus): ScimConnection {
  return {
    id: connection.id,
    name: connection.name,
    dialect: connection.dialect,
    token: { prefix: SCIM_TOKEN_PREFIX, createdAt: token.createdAt, expiresAt: token.expiresAt, lastUsedAt: token.lastUsedAt, graceUntil: token.previousTokenExpiresAt },
  };
}

/** Drops the fields the caller left out (or null): the service changes only what it is given. */
function settingsChange(input: UpdateTenantSettingsInput): TenantSettingsChange {
  // The service checks every value (userPatchStatus is 200 or 204): the cast only carries the wire's Int to it.
  const given = Object.entries(input).filter(([, value]) => value !== null && value !== undefined);
  return Object.fromEntries(given) as TenantSettingsChange;
}

/** The caller's own tenant: its SCIM connection and token, settings and OIDC provider (admin). */
@Resolver()
@Authorized<Scope>(Scope.ADMIN)
export class TenantAdminResolver {
  @Query(() => ScimConnection, { description: "The tenant's IdP connection and its SCIM token's status (admin)." })
  async scimConnection(@Ctx() context: GraphqlContext): Promise<ScimConnection> {
    return toScimConnection(await context.services.tenants.getScimConnection(context.tenantId));
  }

  @Mutation(() => RotateScimTokenPayload, { description: "Issues a new SCIM token for the IdP connection; the old one stops working at once or after the tenant's grace period (admin)." })
  async rotateScimToken(
    @Arg('input', () => RotateScimTokenInput, { nullable: true }) input: RotateScimTokenInput | null,
    @Ctx() context: GraphqlContext,
  ): Promise<RotatedScimToken> {
    return context.services.tenants.rotateScimToken(context.principal.tenant.slug, { expiresInDays: input?.expiresInDays ?? undefined, context: auditContextOf(context) });
  }

  @Mutation(() => SetScimTokenExpiryPayload, { description: 'Sets or removes the expiry of the current SCIM token without issuing a new one (admin).' })
  async setScimTokenExpiry(@Arg('input', () => SetScimTokenExpiryInput) input: SetScimTokenExpiryInput, @Ctx() context: GraphqlContext): Promise<SetScimTokenExpiryPayload> {
    await context.services.tenants.setScimTokenExpiry(context.tenantId, input.expiresAt === null ? null : input.expiresAt.getTime(), auditContextOf(context));
    return { connection: toScimConnection(await context.services.tenants.getScimConnection(context.tenantId)) };
  }

  @Mutation(() => SetScimConnectionDialectPayload, {
    description: "Sets the IdP dialect of the tenant's connection, applies its setting defaults and offers its mapping preset as a draft (admin).",
  })
  async setScimConnectionDialect(
    @Arg('input', () => SetScimConnectionDialectInput) input: SetScimConnectionDialectInput,
    @Ctx() context: GraphqlContext,
  ): Promise<{ connection: ScimConnection; settings: TenantSettings; presetDraftVersion: number | null }> {
    const who = auditContextOf(context);
    const changed = await context.services.tenants.setConnectionDialect(context.tenantId, input.dialect, who);
    const tenant = { ...context.principal.tenant, settings: changed.settings };
    const presetDraftVersion = changed.changed ? await context.services.mappingLifecycle.offerDialectPreset(tenant, changed.connection, who) : null;
    return { connection: toScimConnection(await context.services.tenants.getScimConnection(context.tenantId)), settings: changed.settings, presetDraftVersion };
  }

  @Mutation(() => UpdateTenantSettingsPayload, { description: 'Changes the settings given; the others keep their values; audited with a diff (admin).' })
  async updateTenantSettings(
    @Arg('input', () => UpdateTenantSettingsInput) input: UpdateTenantSettingsInput,
    @Ctx() context: GraphqlContext,
  ): Promise<{ settings: TenantSettings }> {
    return { settings: await context.services.tenants.updateSettings(context.principal.tenant.slug, settingsChange(input), auditContextOf(context)) };
  }

  @Mutation(() => ConfigureOidcProviderPayload, { description: "Trusts the company OIDC provider's access tokens for this tenant, replacing any earlier one (admin)." })
  async configureOidcProvider(
    @Arg('input', () => ConfigureOidcProviderInput) input: ConfigureOidcProviderInput,
    @Ctx() context: GraphqlContext,
  ): Promise<{ oidcProvider: OidcProviderValue }> {
    return { oidcProvider: await context.services.access.configureOidcProvider(context.tenantId, { ...input }, auditContextOf(context)) };
  }

  @Mutation(() => RemoveOidcProviderPayload, { description: 'Stops accepting OIDC access tokens for this tenant (admin).' })
  async removeOidcProvider(@Ctx() context: GraphqlContext): Promise<{ oidcProvider: OidcProviderValue | null }> {
    return { oidcProvider: (await context.services.access.removeOidcProvider(context.tenantId, auditContextOf(context))) ?? null };
  }
}
