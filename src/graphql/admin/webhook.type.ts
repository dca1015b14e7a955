import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../connection';

/** The wire form of the repository's DeliveryStatus. */
export enum WebhookDeliveryStatus {
  PENDING = 'pending',
  DELIVERED = 'delivered',
  FAILED = 'failed',
}

registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'PENDING: waiting for (another) attempt or in flight; DELIVERED: a 2xx answer; FAILED: given up after the last attempt (replay it).',
});

/** Resolvers return the repository's WebhookEndpoint as it is: never its secret. */
@ObjectType({ description: 'Where the tenant receives signed change events, with its delivery status.' })
export class WebhookEndpoint {
  @Field(() => ID)
  id!: string;

  @Field()
  url!: string;

  @Field(() => [String], { nullable: true, description: 'The event types it receives; null: all.' })
  eventTypes!: string[] | null;

  @Field({ description: 'false: paused, receives no new deliveries.' })
  active!: boolean;

  @Field(() => DateTimeResolver)
  createdAt!: number;

  @Field(() => DateTimeResolver, { nullable: true })
  lastSuccessAt!: number | null;

  @Field(() => DateTimeResolver, { nullable: true })
  lastFailureAt!: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last failed attempt failed (HTTP status, timeout, connection error).' })
  lastError!: string | null;

  @Field(() => Int, { description: 'Failed attempts since the last success.' })
  consecutiveFailures!: number;
}

@ObjectType({ description: 'One event on its way to one endpoint.' })
export class WebhookDelivery {
  @Field(() => ID)
  eventId!: string;

  @Field()
  eventType!: string;

  @Field({ description: 'user, group or connection.' })
  resourceType!: string;

  @Field()
  resourceId!: string;

  @Field(() => WebhookDeliveryStatus)
  status!: WebhookDeliveryStatus;

  @Field(() => Int)
  attempts!: number;

  @Field(() => DateTimeResolver, { nullable: true })
  nextAttemptAt!: number | null;

  @Field(() => String, { nullable: true })
  lastError!: string | null;

  @Field(() => DateTimeResolver, { nullable: true })
  deliveredAt!: number | null;

  @Field(() => DateTimeResolver)
  createdAt!: number;
}

@ObjectType()
export class WebhookDeliveryEdge {
  @Field()
  cursor!: string;

  @Field(() => WebhookDelivery)
  node!: WebhookDelivery;
}

@ObjectType({ description: 'A page of deliveries, newest event first.' })
export class WebhookDeliveryConnection {
  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => [WebhookDeliveryEdge])
  edges!: WebhookDeliveryEdge[];

  @Field(() => [WebhookDelivery])
  nodes!: WebhookDelivery[];
}

@InputType()
export class CreateWebhookEndpointInput {
  @Field({ description: 'https (http only where the operator allows it).' })
  url!: string;

  @Field(() => [String], { nullable: true, description: 'Event types, e.g. user.created; omitted or null: all.' })
  eventTypes?: string[] | null;
}

@InputType({ description: 'Omitted fields keep their values; eventTypes: null means all types.' })
export class UpdateWebhookEndpointInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => [String], { nullable: true })
  eventTypes?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: 'false pauses it (disable); true resumes it.' })
  active?: boolean | null;
}

@InputType()
export class WebhookEndpointIdInput {
  @Field(() => ID)
  id!: string;
}

@InputType({ description: 'What to send again: one event (eventId), the events created in [from, to), or every failed delivery (failedOnly).' })
export class ReplayWebhookDeliveriesInput {
  @Field(() => ID)
  endpointId!: string;

  @Field(() => ID, { nullable: true })
  eventId?: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Inclusive; with to.' })
  from?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Exclusive; with from.' })
  to?: Date | null;

  @Field(() => Boolean, { nullable: true })
  failedOnly?: boolean | null;
}

@ObjectType()
export class CreateWebhookEndpointPayload {
  @Field(() => WebhookEndpoint)
  endpoint!: WebhookEndpoint;

  @Field({ description: 'The HMAC-SHA256 key (ihwhsec_...) receivers verify signatures with, shown only now.' })
  secret!: string;
}

@ObjectType()
export class WebhookEndpointPayload {
  @Field(() => WebhookEndpoint)
  endpoint!: WebhookEndpoint;
}

@ObjectType()
export class DeleteWebhookEndpointPayload {
  @Field(() => ID)
  id!: string;
}

@ObjectType()
export class RotateWebhookSecretPayload {
  @Field(() => WebhookEndpoint)
  endpoint!: WebhookEndpoint;

  @Field({ description: 'The new signing key, in force for the next attempt; shown only now.' })
  secret!: string;
}

@ObjectType()
export class ReplayWebhookDeliveriesPayload {
  @Field(() => Int, { description: 'Deliveries queued again from their first attempt.' })
  replayed!: number;
}
