import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'What an event is about; events of one resource arrive in order.' })
export class ChangeEventResource {
  @Field({ description: 'user, group or connection.' })
  type!: string;

  @Field(() => ID)
  id!: string;

  @Field(() => Int, { nullable: true, description: "The resource's version after the change (users and groups)." })
  version!: number | null;
}

/** Resolvers return the domain EventEnvelope (the webhook body) as it is. */
@ObjectType({ description: 'A committed change, as webhooks carry it. Delivered at least once: dedupe on id.' })
export class ChangeEvent {
  @Field(() => ID, { description: 'Time-ordered; pass the last one seen as events(after:) when reconnecting.' })
  id!: string;

  @Field({ description: 'user.created, membership.added, ownership.transferred, token.expiring, ...' })
  type!: string;

  @Field(() => DateTimeResolver)
  occurredAt!: string;

  @Field(() => ChangeEventResource)
  resource!: ChangeEventResource;

  @Field(() => JSONResolver, { description: "The type's payload, the same as the webhook's data." })
  data!: unknown;
}
