import { Field, ID, InputType } from 'type-graphql';

/** Conditions that all hold (AND). Text fields match whole values, case-insensitively. */
@InputType({ description: 'Conditions that must all hold; text fields match whole values, case-insensitively.' })
export class UserFilter {
  @Field(() => Boolean, { nullable: true })
  active?: boolean | null;

  @Field(() => ID, { nullable: true, description: 'Direct members of this group.' })
  groupId?: string | null;

  @Field(() => String, { nullable: true })
  department?: string | null;

  @Field(() => String, { nullable: true })
  division?: string | null;

  @Field(() => String, { nullable: true })
  organization?: string | null;

  @Field(() => String, { nullable: true })
  costCenter?: string | null;

  @Field(() => String, { nullable: true })
  employeeNumber?: string | null;

  @Field(() => String, { nullable: true })
  userType?: string | null;

  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => String, { nullable: true, description: "The IdP's id, compared exactly." })
  externalId?: string | null;

  @Field(() => String, { nullable: true, description: 'Words that must each appear in the userName, a name or the email (case-insensitive).' })
  search?: string | null;
}
