import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from '../node.interface';

export enum GroupManager {
  IDP = 'IDP',
  MANUAL = 'MANUAL',
}

registerEnumType(GroupManager, { name: 'GroupManager', description: 'IDP: provisioned over SCIM; MANUAL: created by an admin (the IdP does not know it).' });

/** A group as the IdP provisioned it (or an admin created it: managedBy). memberCount and members are field resolvers. */
@ObjectType({ implements: Node, description: 'A group of the tenant; id is the SCIM id.' })
export class Group implements Node {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Unique per tenant, compared case-insensitively.' })
  displayName!: string;

  @Field(() => String, { nullable: true, description: "The IdP's own id for the group." })
  externalId!: string | null;

  @Field(() => GroupManager)
  managedBy!: GroupManager;

  @Field(() => DateTimeResolver)
  createdAt!: number;

  @Field(() => DateTimeResolver)
  updatedAt!: number;
}
