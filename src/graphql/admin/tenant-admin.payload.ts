import { DateTimeResolver } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { TenantSettings } from '../viewer/tenant.type';
import { OidcProvider } from './oidc-provider.type';

@ObjectType()
export class RotateScimTokenPayload {
  @Field({ description: 'The new SCIM token, shown only now; the previous one stopped working.' })
  scimToken!: string;

  @Field(() => DateTimeResolver, { nullable: true })
  expiresAt!: number | null;

  @Field(() => DateTimeResolver, { nullable: true, description: "Until when the previous token keeps working (the tenant's grace period); null when it stopped at once." })
  previousTokenValidUntil!: number | null;
}

@ObjectType()
export class UpdateTenantSettingsPayload {
  @Field(() => TenantSettings)
  settings!: TenantSettings;
}

@ObjectType()
export class ConfigureOidcProviderPayload {
  @Field(() => OidcProvider)
  oidcProvider!: OidcProvider;
}

@ObjectType()
export class RemoveOidcProviderPayload {
  @Field(() => OidcProvider, { nullable: true, description: 'The provider no longer trusted; null when there was none.' })
  oidcProvider!: OidcProvider | null;
}
