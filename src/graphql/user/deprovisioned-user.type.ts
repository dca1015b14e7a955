import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { PageInfo } from '../connection';
import { User } from './user.type';

/** Resolvers return the repository's DeprovisionedUser as it is. */
@ObjectType({ description: 'A user the IdP deleted while the tenant keeps deleted users (scimUserDelete: deprovision): out of every read, restorable.' })
export class DeprovisionedUser {
  @Field(() => ID, { description: 'Its id, the same as before and after a restore.' })
  id!: string;

  @Field({ description: 'The userName it had; no longer reserved (another user may take it).' })
  userName!: string;

  @Field(() => String, { nullable: true })
  externalId!: string | null;

  @Field(() => DateTimeResolver)
  createdAt!: number;

  @Field(() => DateTimeResolver)
  deprovisionedAt!: number;

  @Field(() => ID, { nullable: true, description: 'Who received its resources (the default substitute then); null: they were orphaned.' })
  substituteUserId!: string | null;
}

@ObjectType()
export class DeprovisionedUserEdge {
  @Field()
  cursor!: string;

  @Field(() => DeprovisionedUser)
  node!: DeprovisionedUser;
}

@ObjectType({ description: 'A page of deprovisioned users, most recent first.' })
export class DeprovisionedUserConnection {
  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => [DeprovisionedUserEdge])
  edges!: DeprovisionedUserEdge[];

  @Field(() => [DeprovisionedUser])
  nodes!: DeprovisionedUser[];
}

@InputType()
export class DeprovisionedUserInput {
  @Field(() => ID)
  id!: string;
}

@ObjectType()
export class RestoreUserPayload {
  @Field(() => User, { description: 'The user, back in every read under its id.' })
  user!: User;
}

@ObjectType()
export class PurgeUserPayload {
  @Field(() => ID)
  purgedUserId!: string;
}
