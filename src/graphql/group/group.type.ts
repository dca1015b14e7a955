import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { Node } from '../node.interface';

/** A group as the IdP provisioned it. memberCount and members are field resolvers. */
@ObjectType({ implements: Node, description: 'A group of the tenant; id is the SCIM id.' })
export class Group implements Node {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Unique per tenant, compared case-insensitively.' })
  displayName!: string;

  @Field(() => String, { nullable: true, description: "The IdP's own id for the group." })
  externalId!: string | null;

  @Field(() => DateTimeResolver)
  createdAt!: number;

  @Field(() => DateTimeResolver)
  updatedAt!: number;
}
