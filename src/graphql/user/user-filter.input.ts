import { Field, ID, InputType } from 'type-graphql';

/** One condition on a mapped domain field; exactly one of eq, in and startsWith. */
@InputType({ description: 'A condition on a mapped domain field (any key of the domain schema): give exactly one of eq, in, startsWith. Values compare case-insensitively.' })
export class AttributeCondition {
  @Field({ description: 'The domain field key, e.g. businessUnit or a tenant-defined field.' })
  key!: string;

  @Field(() => String, { nullable: true, description: 'Some value of the field is this one.' })
  eq?: string | null;

  @Field(() => [String], { nullable: true, description: 'Some value of the field is one of these.' })
  in?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Some value of the field starts with this.' })
  startsWith?: string | null;
}

/** Conditions that all hold (AND). Text fields match whole values, case-insensitively. */
@InputType({ description: 'Conditions that must all hold; text fields match whole values, case-insensitively.' })
export class UserFilter {
  @Field(() => Boolean, { nullable: true })
  active?: boolean | null;

  @Field(() => ID, { nullable: true, description: 'Direct members of this group.' })
  groupId?: string | null;

  @Field(() => String, { nullable: true, description: 'Users holding this application role (mapped).' })
  appRole?: string | null;

  @Field(() => String, { nullable: true })
  department?: string | null;

  @Field(() => String, { nullable: true, description: 'The mapped business unit.' })
  businessUnit?: string | null;

  @Field(() => String, { nullable: true, description: 'The mapped region.' })
  region?: string | null;

  @Field(() => [AttributeCondition], { nullable: true, description: 'Conditions on mapped domain fields, all of which must hold.' })
  attribute?: AttributeCondition[] | null;

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

  @Field(() => String, { nullable: true, description: 'Words that must each start the userName, the displayName, givenName, familyName or the email (a case-insensitive prefix, not a substring: "lov" finds Lovelace, "ace" does not).' })
  search?: string | null;
}
