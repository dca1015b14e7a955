import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int } from 'type-graphql';
import { ScimUserDelete } from '../viewer/tenant.type';

@InputType()
export class RotateScimTokenInput {
  @Field(() => Int, { nullable: true, description: 'Days until the new token expires; it never expires when omitted.' })
  expiresInDays?: number | null;
}

@InputType()
export class SetScimTokenExpiryInput {
  @Field(() => DateTimeResolver, { nullable: true, description: 'When the current SCIM token stops working (in the future); null: never.' })
  expiresAt!: Date | null;
}

/** Omitted (or null) fields keep their values. */
@InputType()
export class UpdateTenantSettingsInput {
  @Field(() => Int, { nullable: true, description: 'What SCIM PATCH on a user answers: 200 (with the resource) or 204.' })
  userPatchStatus?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Only the IdP changes groups and memberships.' })
  restrictGroupsToIdp?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Transfer ownership on deactivation too.' })
  transferOnDeactivate?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'Grace period of a rotated-out SCIM token, 0 to 604800 seconds.' })
  tokenGraceSeconds?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Keep redacted SCIM request bodies in the provisioning log.' })
  provisioningLogBodies?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'Days to keep those bodies, 1 to 90.' })
  provisioningLogBodyRetentionDays?: number | null;

  @Field(() => ScimUserDelete, { nullable: true })
  scimUserDelete?: ScimUserDelete | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether the IdP may change a userName.' })
  idpMayChangeUserName?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "Keep the connection's last user writes for mapping previews." })
  keepRecentRequests?: boolean | null;
}

@InputType()
export class SetDefaultSubstituteInput {
  @Field(() => ID, { nullable: true, description: "An active user of the tenant; null: nobody (deprovisioned users' resources are orphaned)." })
  userId!: string | null;
}

@InputType()
export class ConfigureOidcProviderInput {
  @Field({ description: 'The iss claim of its tokens, e.g. https://login.example.com/realms/company.' })
  issuer!: string;

  @Field({ description: 'The aud claim the tokens must carry for this hub.' })
  audience!: string;

  @Field({ description: 'Where its signing keys are published (https).' })
  jwksUrl!: string;

  @Field({ defaultValue: 'scope' })
  scopeClaim!: string;

  @Field({ defaultValue: 'read', description: 'The scope value that grants READ.' })
  readScope!: string;

  @Field({ defaultValue: 'admin', description: 'The scope value that grants ADMIN (and READ).' })
  adminScope!: string;
}

@InputType()
export class SetScimConnectionDialectInput {
  @Field({ description: 'entra, okta, onelogin or generic.' })
  dialect!: string;
}
