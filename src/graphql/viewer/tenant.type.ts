import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

/** The wire form of the domain's ScimUserDelete: upper-case names, the domain's values. */
export enum ScimUserDelete {
  REMOVE = 'remove',
  DEPROVISION = 'deprovision',
}

registerEnumType(ScimUserDelete, {
  name: 'ScimUserDelete',
  description: "What the IdP's DELETE of a user does: REMOVE it for good, or DEPROVISION it (out of every read, restorable with restoreUser).",
});

@ObjectType({ description: 'The default substitute the IdP itself deprovisioned: the setting was cleared; choose another.' })
export class DeprovisionedSubstitute {
  @Field(() => ID)
  userId!: string;

  @Field(() => DateTimeResolver)
  at!: number;

  @Field({ description: 'deleted or deactivated.' })
  reason!: string;
}

@ObjectType()
export class TenantSettings {
  @Field(() => Int, { description: 'What SCIM PATCH on a user answers: 200 with the resource, or 204 (what Entra expects).' })
  userPatchStatus!: number;

  @Field({ description: 'When true, groups and memberships change only over SCIM; manual edits get GROUPS_MANAGED_BY_IDP.' })
  restrictGroupsToIdp!: boolean;

  @Field(() => ID, { nullable: true, description: "Who inherits a deprovisioned user's resources (setDefaultSubstitute); null: they are orphaned." })
  defaultSubstituteUserId!: string | null;

  @Field(() => DeprovisionedSubstitute, { nullable: true })
  deprovisionedSubstitute!: DeprovisionedSubstitute | null;

  @Field({ description: 'Transfer ownership when the IdP deactivates a user too, not only when it deletes one.' })
  transferOnDeactivate!: boolean;

  @Field(() => Int, { description: 'How long a rotated-out SCIM token keeps working, in seconds (0: it stops at once).' })
  tokenGraceSeconds!: number;

  @Field({ description: 'Keep the redacted SCIM request bodies in the provisioning log.' })
  provisioningLogBodies!: boolean;

  @Field(() => Int, { description: 'Days the provisioning log keeps bodies (the entries stay).' })
  provisioningLogBodyRetentionDays!: number;

  @Field(() => ScimUserDelete)
  scimUserDelete!: ScimUserDelete;

  @Field({ description: 'Whether the IdP may change a userName; when false, a SCIM PUT or PATCH changing it gets 400 mutability.' })
  idpMayChangeUserName!: boolean;

  @Field({ description: "Keep the connection's last user writes (secrets redacted, briefly) so previewMapping(recentRequests) replays them." })
  keepRecentRequests!: boolean;
}

/** settings and oidcProvider are admin-only field resolvers (tenant.resolver.ts). */
@ObjectType({ description: 'The tenant the caller belongs to.' })
export class Tenant {
  @Field(() => ID)
  id!: string;

  @Field()
  slug!: string;

  @Field()
  name!: string;

  @Field(() => DateTimeResolver)
  createdAt!: number;
}
