import { Field, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '../connection';
import { Group } from './group.type';

@ObjectType()
export class GroupEdge {
  @Field()
  cursor!: string;

  @Field(() => Group)
  node!: Group;
}

@ObjectType({ description: 'A page of groups (Relay connection).' })
export class GroupConnection {
  @Field(() => Int, { description: 'How many groups the whole list holds.' })
  totalCount!: number;

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => [GroupEdge])
  edges!: GroupEdge[];

  @Field(() => [Group], { description: 'The groups of this page, without cursors.' })
  nodes!: Group[];
}
