import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { OidcProvider as OidcProviderValue } from '../../domain/tenants/api-access';
import type { TenantSettings, TenantSettingsChange } from '../../domain/tenants/tenant';
import type { RotatedScimToken } from '../../services/tenant.service';
import { auditContextOf, type GraphqlContext } from '../context';
import { Scope } from '../scope';
import { ConfigureOidcProviderInput, RotateScimTokenInput, UpdateTenantSettingsInput } from './tenant-admin.input';
import { ConfigureOidcProviderPayload, RemoveOidcProviderPayload, RotateScimTokenPayload, UpdateTenantSettingsPayload } from './tenant-admin.payload';

/** The caller's own tenant: its SCIM token, settings and OIDC provider (admin). */
@Resolver()
@Authorized<Scope>(Scope.ADMIN)
export class TenantAdminResolver {
  @Mutation(() => RotateScimTokenPayload, { description: "Issues a new SCIM token for the IdP connection; the old one stops working at once or after the tenant's grace period (admin)." })
  async rotateScimToken(
    @Arg('input', () => RotateScimTokenInput, { nullable: true }) input: RotateScimTokenInput | null,
    @Ctx() context: GraphqlContext,
  ): Promise<RotatedScimToken> {
    return context.services.tenants.rotateScimToken(context.principal.tenant.slug, { expiresInDays: input?.expiresInDays ?? undefined, context: auditContextOf(context) });
  }

  @Mutation(() => UpdateTenantSettingsPayload, { description: 'Changes the settings given; the others keep their values (admin).' })
  async updateTenantSettings(
    @Arg('input', () => UpdateTenantSettingsInput) input: UpdateTenantSettingsInput,
    @Ctx() context: GraphqlContext,
  ): Promise<{ settings: TenantSettings }> {
    // The service checks the values (200 or 204): the cast only carries the wire's Int to it.
    const change: TenantSettingsChange = input.userPatchStatus === null || input.userPatchStatus === undefined ? {} : { userPatchStatus: input.userPatchStatus as TenantSettings['userPatchStatus'] };
    return { settings: await context.services.tenants.updateSettings(context.principal.tenant.slug, change, auditContextOf(context)) };
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
