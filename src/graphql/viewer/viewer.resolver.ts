import { Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { OidcProvider as OidcProviderSettings } from '../../domain/tenants/api-access';
import type { Tenant as TenantValue, TenantSettings as TenantSettingsValue } from '../../domain/tenants/tenant';
import { OidcProvider } from '../admin/oidc-provider.type';
import type { GraphqlCredential } from '../../auth/graphql-principal';
import type { GraphqlContext } from '../context';
import { Scope } from '../scope';
import { Tenant, TenantSettings } from './tenant.type';
import { CredentialKind, Viewer } from './viewer.type';

const CREDENTIAL_KINDS: Record<GraphqlCredential['kind'], CredentialKind> = {
  apiKey: CredentialKind.API_KEY,
  oidcToken: CredentialKind.OIDC_TOKEN,
  consoleSession: CredentialKind.CONSOLE_SESSION,
};

/** viewer needs no scope: a credential that can read nothing may still ask what it is. */
@Resolver(() => Viewer)
export class ViewerResolver {
  @Query(() => Viewer, { description: 'Who is calling: tenant, scopes, credential.' })
  viewer(@Ctx() context: GraphqlContext): Viewer {
    const { principal } = context;
    const credential = principal.credential;
    return {
      tenant: principal.tenant,
      scopes: principal.scopes.map((scope) => scope as Scope),
      credential: CREDENTIAL_KINDS[credential.kind],
      subject: credential.kind === 'apiKey' ? credential.apiKeyId : credential.subject,
    };
  }
}

@Resolver(() => Tenant)
export class TenantResolver {
  @Authorized<Scope>(Scope.ADMIN)
  @FieldResolver(() => TenantSettings)
  settings(@Root() tenant: TenantValue): TenantSettingsValue {
    return tenant.settings;
  }

  @Authorized<Scope>(Scope.ADMIN)
  @FieldResolver(() => OidcProvider, { nullable: true, description: 'null when the tenant accepts no OIDC access tokens.' })
  async oidcProvider(@Root() tenant: TenantValue, @Ctx() context: GraphqlContext): Promise<OidcProviderSettings | null> {
    return (await context.services.access.oidcProvider(tenant.id)) ?? null;
  }
}
