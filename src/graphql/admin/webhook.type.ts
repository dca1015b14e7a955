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

/** The wire form of the domain's CircuitState. */
export enum WebhookCircuitState {
  CLOSED = 'closed',
  OPEN = 'open',
  HALF_OPEN = 'half_open',
}

registerEnumType(WebhookCircuitState, {
  name: 'WebhookCircuitState',
  description: 'CLOSED: deliveries go out. OPEN: the endpoint kept failing; its deliveries wait (spending no attempts) until nextProbeAt. HALF_OPEN: one delivery is out as a probe; success closes the circuit.',
});

/** Resolvers return the domain's EndpointCircuit; the failure count that opens it is the endpoint's consecutiveFailures. */
@ObjectType({ description: "The endpoint's circuit breaker: opened after repeated failures so a dead receiver costs no attempts." })
export class WebhookCircuit {
  @Field(() => WebhookCircuitState)
  state!: WebhookCircuitState;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When it last opened or closed; null if it never opened.' })
  since!: number | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the next probe goes out (OPEN), or when the probe in flight is given up (HALF_OPEN); null when CLOSED.' })
  nextProbeAt!: number | null;
}

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

  @Field(() => String, {
    nullable: true,
    description: 'Why the last failed attempt failed: "HTTP <status>", "host not found", "refused by outbound policy: ...", or one text for every failure below HTTP (connection refused, reset, TLS, timeout).',
  })
  lastError!: string | null;

  @Field(() => Int, { description: 'Failed attempts since the last success; the circuit opens when it reaches the operator\'s threshold (default 10).' })
  consecutiveFailures!: number;

  @Field(() => WebhookCircuit)
  circuit!: WebhookCircuit;
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
