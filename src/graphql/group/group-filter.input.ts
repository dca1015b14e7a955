import { Field, InputType } from 'type-graphql';

@InputType({ description: 'Conditions that must all hold.' })
export class GroupFilter {
  @Field(() => String, { nullable: true, description: 'The whole displayName, case-insensitively.' })
  displayName?: string | null;

  @Field(() => String, { nullable: true, description: "The IdP's id, compared exactly." })
  externalId?: string | null;

  @Field(() => String, { nullable: true, description: 'Words that must each appear in the displayName (case-insensitive).' })
  search?: string | null;
}
