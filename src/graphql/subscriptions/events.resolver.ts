import { Arg, Authorized, ID, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { DomainError } from '../../domain/errors';
import { EVENT_TYPES, isEventType, type EventEnvelope, type EventType } from '../../domain/events';
import type { OutboxEvent } from '../../persistence/repositories/outbox.repository';
import { toEventEnvelope } from '../../services/outbox.service';
import type { GraphqlContext } from '../context';
import { Scope } from '../scope';
import { ChangeEvent } from './change-event.type';

interface EventsArgs {
  readonly types?: string[] | null;
  readonly after?: string | null;
}

function checkTypes(types: readonly string[] | null | undefined): EventType[] | undefined {
  if (!types || types.length === 0) return undefined;
  const unknown = types.filter((type) => !isEventType(type));
  if (unknown.length > 0) throw new DomainError('INVALID_INPUT', `unknown event types: ${unknown.join(', ')}; known: ${EVENT_TYPES.join(', ')}`);
  return types as EventType[];
}

/**
 * The scope is checked here too: type-graphql's @Authorized guards each delivered event, and a
 * credential without READ must be refused before it is subscribed at all.
 */
function subscribeToEvents({ args, context }: SubscribeResolverData<unknown, EventsArgs, GraphqlContext>): AsyncIterable<OutboxEvent> {
  if (!context.principal.scopes.includes(Scope.READ)) throw new DomainError('FORBIDDEN', 'this needs the READ scope');
  return context.services.events.subscribe(context.tenantId, { types: checkTypes(args.types), afterEventId: args.after ?? undefined });
}

/** Live change events of the caller's tenant over graphql-ws (scope READ). */
@Resolver()
export class EventSubscriptionResolver {
  @Authorized<Scope>(Scope.READ)
  @Subscription(() => ChangeEvent, {
    subscribe: subscribeToEvents,
    description: "The tenant's change events as they commit (graphql-ws on /graphql), at least once: dedupe on id, and reconnect with after: <last id> to get what was missed.",
  })
  events(
    @Root() event: OutboxEvent,
    @Arg('types', () => [String], { nullable: true, description: 'Only these event types; omitted or empty: all.' }) _types: string[] | null,
    @Arg('after', () => ID, { nullable: true, description: 'The last event id received: the stored events after it come first.' }) _after: string | null,
  ): EventEnvelope {
    return toEventEnvelope(event);
  }
}
