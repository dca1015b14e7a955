import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { Node } from '../node.interface';

/**
 * A person in the tenant's directory, as the IdP provisioned them. Resolvers return the
 * persistence read model (UserProfile); manager, directReports and groups are field resolvers.
 */
@ObjectType({ implements: Node, description: 'A user of the tenant; id is the SCIM id.' })
export class User implements Node {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Unique per tenant, compared case-insensitively.' })
  userName!: string;

  @Field(() => String, { nullable: true, description: "The IdP's own id for the user." })
  externalId!: string | null;

  @Field()
  active!: boolean;

  @Field(() => String, { nullable: true })
  displayName!: string | null;

  @Field(() => String, { nullable: true })
  givenName!: string | null;

  @Field(() => String, { nullable: true })
  familyName!: string | null;

  @Field(() => String, { nullable: true, description: 'The primary email, or the first one when none is marked primary.' })
  email!: string | null;

  @Field(() => String, { nullable: true })
  department!: string | null;

  @Field(() => String, { nullable: true })
  division!: string | null;

  @Field(() => String, { nullable: true })
  organization!: string | null;

  @Field(() => String, { nullable: true })
  costCenter!: string | null;

  @Field(() => String, { nullable: true })
  employeeNumber!: string | null;

  @Field(() => String, { nullable: true })
  title!: string | null;

  @Field(() => String, { nullable: true })
  userType!: string | null;

  @Field(() => DateTimeResolver)
  createdAt!: number;

  @Field(() => DateTimeResolver)
  updatedAt!: number;
}
