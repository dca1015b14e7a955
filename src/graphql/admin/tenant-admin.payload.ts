import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
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

@ObjectType({ description: "The connection's SCIM token as admins see it: never the token itself, which is stored only as a hash." })
export class ScimTokenStatus {
  @Field({ description: 'What every SCIM token of this hub starts with, for secret scanners; the rest is never stored.' })
  prefix!: string;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the current token was issued.' })
  createdAt!: number | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'null: it never expires.' })
  expiresAt!: number | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Its last use by the IdP, to the minute.' })
  lastUsedAt!: number | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Until when the rotated-out token still works; null when it no longer does.' })
  graceUntil!: number | null;
}

@ObjectType({ description: "The tenant's IdP (SCIM) connection." })
export class ScimConnection {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field({ description: 'The IdP dialect: entra, okta, onelogin or generic.' })
  dialect!: string;

  @Field(() => ScimTokenStatus)
  token!: ScimTokenStatus;
}

@ObjectType()
export class SetScimTokenExpiryPayload {
  @Field(() => ScimConnection)
  connection!: ScimConnection;
}

@ObjectType()
export class SetScimConnectionDialectPayload {
  @Field(() => ScimConnection)
  connection!: ScimConnection;

  @Field(() => TenantSettings, { description: "The settings with the dialect's defaults applied (Okta: transferOnDeactivate)." })
  settings!: TenantSettings;

  @Field(() => Int, { nullable: true, description: "The draft mapping version holding the new dialect's preset, to preview and activate; null when nothing changed or the tenant had no mapping yet." })
  presetDraftVersion!: number | null;
}
