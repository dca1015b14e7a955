import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType()
export class TenantSettings {
  @Field(() => Int, { description: 'What SCIM PATCH on a user answers: 200 with the resource, or 204 (what Entra expects).' })
  userPatchStatus!: number;
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
