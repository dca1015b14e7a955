import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { ApiKey as ApiKeyValue } from '../../domain/tenants/api-access';
import type { CreatedApiKey } from '../../services/api-access.service';
import { auditContextOf, type GraphqlContext } from '../context';
import { Scope } from '../scope';
import { CreateApiKeyInput, RevokeApiKeyInput } from './api-key.input';
import { CreateApiKeyPayload, RevokeApiKeyPayload } from './api-key.payload';
import { ApiKey } from './api-key.type';

@Resolver(() => ApiKey)
@Authorized<Scope>(Scope.ADMIN)
export class ApiKeyResolver {
  @Query(() => [ApiKey], { description: 'The tenant API keys, revoked ones included, oldest first (admin).' })
  apiKeys(@Ctx() context: GraphqlContext): Promise<ApiKeyValue[]> {
    return context.services.access.listApiKeys(context.tenantId);
  }

  @Mutation(() => CreateApiKeyPayload, { description: 'Creates an API key; its secret is in the payload and never shown again (admin).' })
  createApiKey(@Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() context: GraphqlContext): Promise<CreatedApiKey> {
    return context.services.access.createApiKey(context.tenantId, { name: input.name, scopes: input.scopes }, auditContextOf(context));
  }

  @Mutation(() => RevokeApiKeyPayload, { description: "Revokes an API key at once; the tenant's last admin key cannot be revoked (admin)." })
  async revokeApiKey(@Arg('input', () => RevokeApiKeyInput) input: RevokeApiKeyInput, @Ctx() context: GraphqlContext): Promise<{ apiKey: ApiKeyValue }> {
    return { apiKey: await context.services.access.revokeApiKey(context.tenantId, input.id, auditContextOf(context)) };
  }
}
