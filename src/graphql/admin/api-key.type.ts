import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { Scope } from '../scope';

@ObjectType({ description: 'An API key of the tenant; its secret is shown once, when it is created, and stored only as a hash.' })
export class ApiKey {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => [Scope])
  scopes!: Scope[];

  @Field(() => DateTimeResolver)
  createdAt!: number;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When it stopped working; null while it works.' })
  revokedAt!: number | null;
}
