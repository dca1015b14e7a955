import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { Node } from '../node.interface';

/**
 * A person in the tenant's directory. Resolvers return the persistence read model (UserProfile: the
 * identity the IdP keys the user by); every domain field is a field resolver over the mapped values.
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

  @Field(() => DateTimeResolver)
  createdAt!: number;

  @Field(() => DateTimeResolver)
  updatedAt!: number;
}
