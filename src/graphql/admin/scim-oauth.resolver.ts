import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { ScimOAuthClient as ScimOAuthClientValue } from '../../services/scim-oauth.service';
import { SCIM_BASE_PATH } from '../../scim/scim-base-url';
import { auditContextOf, type GraphqlContext } from '../context';
import { Scope } from '../scope';
import { IssueScimOAuthClientSecretInput, IssueScimOAuthClientSecretPayload, ScimOAuthClient } from './scim-oauth.type';

const TOKEN_ENDPOINT_PATH = `${SCIM_BASE_PATH}/oauth/token`;
const toClient = (client: ScimOAuthClientValue): ScimOAuthClient => ({ ...client, tokenEndpointPath: TOKEN_ENDPOINT_PATH });

@Resolver(() => ScimOAuthClient)
@Authorized<Scope>(Scope.ADMIN)
export class ScimOAuthResolver {
  @Query(() => ScimOAuthClient, { nullable: true, description: "The SCIM OAuth client of the tenant's connection; null when none was issued (admin)." })
  async scimOAuthClient(@Ctx() context: GraphqlContext): Promise<ScimOAuthClient | null> {
    const client = await context.services.scimOAuth.client(context.tenantId);
    return client ? toClient(client) : null;
  }

  @Mutation(() => IssueScimOAuthClientSecretPayload, {
    description: 'Issues the SCIM OAuth client, or a new secret for it: the old secret and every access token it obtained stop working at once (admin).',
  })
  async issueScimOAuthClientSecret(
    @Arg('input', () => IssueScimOAuthClientSecretInput, { nullable: true }) input: IssueScimOAuthClientSecretInput | null,
    @Ctx() context: GraphqlContext,
  ): Promise<IssueScimOAuthClientSecretPayload> {
    const { clientSecret, ...client } = await context.services.scimOAuth.issueClientSecret(context.tenantId, { tokenLifetimeMinutes: input?.tokenLifetimeMinutes ?? undefined }, auditContextOf(context));
    return { client: toClient(client), clientSecret };
  }

  @Mutation(() => Boolean, { description: 'Removes the SCIM OAuth client: its secret and access tokens stop working; the static SCIM token is untouched (admin).' })
  async revokeScimOAuthClient(@Ctx() context: GraphqlContext): Promise<boolean> {
    await context.services.scimOAuth.revokeClient(context.tenantId, auditContextOf(context));
    return true;
  }

  @Mutation(() => ScimOAuthClient, { description: 'Sets the lifetime of the access tokens the client gets, 60-360 minutes; null: the default, 60 (admin).' })
  async setScimOAuthTokenLifetime(@Arg('minutes', () => Int, { nullable: true }) minutes: number | null, @Ctx() context: GraphqlContext): Promise<ScimOAuthClient> {
    return toClient(await context.services.scimOAuth.setTokenLifetime(context.tenantId, minutes, auditContextOf(context)));
  }
}
