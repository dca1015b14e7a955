import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { DomainError } from '../../domain/errors';
import type { WebhookDelivery as WebhookDeliveryValue, WebhookEndpoint as WebhookEndpointValue } from '../../persistence/repositories/webhook.repository';
import type { CreatedWebhookEndpoint } from '../../services/webhook-endpoint.service';
import { connectionComplexity, DEFAULT_PAGE_SIZE, pageRequest, toCursorPage, type CursorPage } from '../connection';
import { auditContextOf, type GraphqlContext } from '../context';
import { Scope } from '../scope';
import {
  CreateWebhookEndpointInput,
  CreateWebhookEndpointPayload,
  DeleteWebhookEndpointPayload,
  ReplayWebhookDeliveriesInput,
  ReplayWebhookDeliveriesPayload,
  RotateWebhookSecretPayload,
  UpdateWebhookEndpointInput,
  WebhookDeliveryConnection,
  WebhookDeliveryStatus,
  WebhookEndpoint,
  WebhookEndpointIdInput,
  WebhookEndpointPayload,
} from './webhook.type';

/** The tenant's webhook endpoints, their deliveries and replay (admin). */
@Resolver()
@Authorized<Scope>(Scope.ADMIN)
export class WebhookResolver {
  @Query(() => [WebhookEndpoint], { description: 'The webhook endpoints with their delivery status, oldest first (admin).' })
  webhookEndpoints(@Ctx() context: GraphqlContext): Promise<WebhookEndpointValue[]> {
    return context.services.webhooks.listEndpoints(context.tenantId);
  }

  @Query(() => WebhookDeliveryConnection, { complexity: connectionComplexity, description: "An endpoint's deliveries, newest event first, optionally of one status (admin)." })
  async webhookDeliveries(
    @Arg('endpointId', () => ID) endpointId: string,
    @Arg('status', () => WebhookDeliveryStatus, { nullable: true }) status: WebhookDeliveryStatus | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: GraphqlContext,
  ): Promise<CursorPage<WebhookDeliveryValue>> {
    const list = `webhookDeliveries/${endpointId}`;
    const page = pageRequest(list, first, after);
    return toCursorPage(list, page, await context.services.webhooks.listDeliveries(context.tenantId, endpointId, status ?? undefined, page));
  }

  @Mutation(() => CreateWebhookEndpointPayload, { description: 'Adds an endpoint; its signing secret is in the payload and never shown again (admin).' })
  createWebhookEndpoint(@Arg('input', () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput, @Ctx() context: GraphqlContext): Promise<CreatedWebhookEndpoint> {
    return context.services.webhooks.createEndpoint(context.tenantId, { url: input.url, eventTypes: input.eventTypes ?? null }, auditContextOf(context));
  }

  @Mutation(() => WebhookEndpointPayload, { description: 'Changes the URL or event types, or pauses (active: false) and resumes an endpoint (admin).' })
  async updateWebhookEndpoint(@Arg('input', () => UpdateWebhookEndpointInput) input: UpdateWebhookEndpointInput, @Ctx() context: GraphqlContext): Promise<{ endpoint: WebhookEndpointValue }> {
    const change = {
      url: input.url ?? undefined,
      // Absent keeps the types; an explicit null means every type.
      eventTypes: input.eventTypes === undefined ? undefined : input.eventTypes,
      active: input.active ?? undefined,
    };
    return { endpoint: await context.services.webhooks.updateEndpoint(context.tenantId, input.id, change, auditContextOf(context)) };
  }

  @Mutation(() => RotateWebhookSecretPayload, { description: 'Issues a new signing secret, shown only now (admin).' })
  async rotateWebhookSecret(@Arg('input', () => WebhookEndpointIdInput) input: WebhookEndpointIdInput, @Ctx() context: GraphqlContext): Promise<{ endpoint: WebhookEndpointValue; secret: string }> {
    const secret = await context.services.webhooks.rotateSecret(context.tenantId, input.id, auditContextOf(context));
    return { endpoint: await context.services.webhooks.getEndpoint(context.tenantId, input.id), secret };
  }

  @Mutation(() => DeleteWebhookEndpointPayload, { description: 'Deletes an endpoint with its deliveries (admin).' })
  async deleteWebhookEndpoint(@Arg('input', () => WebhookEndpointIdInput) input: WebhookEndpointIdInput, @Ctx() context: GraphqlContext): Promise<{ id: string }> {
    await context.services.webhooks.deleteEndpoint(context.tenantId, input.id, auditContextOf(context));
    return { id: input.id };
  }

  @Mutation(() => ReplayWebhookDeliveriesPayload, { description: 'Sends deliveries again from their first attempt: one event, a time range, or every failed one (admin).' })
  async replayWebhookDeliveries(@Arg('input', () => ReplayWebhookDeliveriesInput) input: ReplayWebhookDeliveriesInput, @Ctx() context: GraphqlContext): Promise<{ replayed: number }> {
    const { webhooks } = context.services;
    const audit = auditContextOf(context);
    const hasRange = Boolean(input.from) || Boolean(input.to);
    const chosen = [Boolean(input.eventId), hasRange, input.failedOnly === true].filter(Boolean).length;
    if (chosen !== 1) throw new DomainError('INVALID_INPUT', 'name exactly one of eventId, a from/to range, or failedOnly: true');
    if (input.eventId) {
      await webhooks.replayDelivery(context.tenantId, input.endpointId, input.eventId, audit);
      return { replayed: 1 };
    }
    if (hasRange) {
      if (!input.from || !input.to) throw new DomainError('INVALID_INPUT', 'a replay range needs both from and to');
      return { replayed: await webhooks.replayDeliveriesBetween(context.tenantId, input.endpointId, { from: input.from.getTime(), to: input.to.getTime() }, audit) };
    }
    return { replayed: await webhooks.replayFailedDeliveries(context.tenantId, input.endpointId, audit) };
  }
}
