import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';

/** Where a mapped value came from: the StoredUserValue row itself (resolvers return it as it is). */
@ObjectType({ description: 'How the mapping engine produced a value: the rule, the mapping version, and what the IdP sent.' })
export class Provenance {
  @Field(() => String, { nullable: true, description: 'The id of the mapping rule that wrote the value.' })
  ruleId!: string | null;

  @Field(() => Int, { nullable: true, description: "The connection's mapping set version that was active." })
  mappingVersion!: number | null;

  @Field(() => String, { nullable: true, description: 'The SCIM attribute path the rule read, e.g. userType.' })
  sourcePath!: string | null;

  @Field(() => JSONResolver, { nullable: true, description: 'What the IdP sent at sourcePath, before mapping.' })
  rawValue!: unknown;

  @Field(() => DateTimeResolver)
  updatedAt!: number;
}
