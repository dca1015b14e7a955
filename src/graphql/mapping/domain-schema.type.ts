import { DateTimeResolver } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';

/** A field of the tenant's domain schema (domain/mapping/domain-schema.ts DomainField). */
@ObjectType({ description: "A field of the tenant's identity model: built in or admin-defined." })
export class DomainField {
  @Field({ description: 'Stable key: the mapping target and the key in User.attributes.' })
  key!: string;

  @Field()
  label!: string;

  @Field({ description: 'text, option, enum, boolean, number, date or reference.' })
  type!: string;

  @Field()
  multiValued!: boolean;

  @Field()
  required!: boolean;

  @Field(() => String, { nullable: true, description: 'For option fields: the key of their option list.' })
  optionList!: string | null;

  @Field(() => String, { nullable: true, description: 'The URN-qualified SCIM attribute path the field is exposed under, if any.' })
  scimPath!: string | null;
}

@ObjectType({ description: "The tenant's active domain schema." })
export class DomainSchema {
  @Field({ description: "The tenant's own SCIM extension URN." })
  customSchemaUrn!: string;

  @Field(() => [DomainField])
  fields!: DomainField[];
}

@ObjectType({ description: 'A value of an option list, with who added it and whether an admin reviewed it.' })
export class OptionValue {
  @Field()
  value!: string;

  @Field(() => [String])
  aliases!: string[];

  @Field({ description: 'approved; pending while a value the IdP sent (auto-added) awaits review; retired: kept on record, matched no more.' })
  reviewStatus!: string;

  @Field({ description: 'Who added it: an admin, or connection:<id> when the IdP sent an unknown value.' })
  addedBy!: string;

  @Field(() => DateTimeResolver)
  addedAt!: number;

  @Field(() => String, { nullable: true, description: 'The SCIM request that added it.' })
  sourceRequestId!: string | null;
}

@ObjectType({ description: 'The vocabulary of dropdown fields, and what happens to a value it does not know.' })
export class OptionList {
  @Field()
  key!: string;

  @Field(() => String, { nullable: true })
  label!: string | null;

  @Field({ description: 'addValue, reject, keepNull or mapTo:<value>.' })
  onUnknown!: string;

  @Field(() => [OptionValue])
  values!: OptionValue[];
}
