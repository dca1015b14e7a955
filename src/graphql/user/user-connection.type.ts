import { Field, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '../connection';
import { User } from './user.type';

@ObjectType()
export class UserEdge {
  @Field()
  cursor!: string;

  @Field(() => User)
  node!: User;
}

@ObjectType({ description: 'A page of users (Relay connection).' })
export class UserConnection {
  @Field(() => Int, { description: 'How many users the whole list holds.' })
  totalCount!: number;

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => [UserEdge])
  edges!: UserEdge[];

  @Field(() => [User], { description: 'The users of this page, without cursors.' })
  nodes!: User[];
}
