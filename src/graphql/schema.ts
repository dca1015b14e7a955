import 'reflect-metadata';
import { createPubSub } from '@graphql-yoga/subscription';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { ApiKeyResolver } from './admin/api-key.resolver';
import { ConsoleAccessResolver } from './admin/console-access.resolver';
import { LogsResolver } from './admin/logs.resolver';
import { OwnershipResolver } from './admin/ownership.resolver';
import { WebhookResolver } from './admin/webhook.resolver';
import { TenantAdminResolver } from './admin/tenant-admin.resolver';
import { scopeAuthChecker } from './auth-checker';
import { GroupConnectionResolver, UserConnectionResolver } from './connection.resolver';
import { GroupMembershipResolver } from './group/group-membership.resolver';
import { GroupResolver } from './group/group.resolver';
import { GroupMembershipConnectionResolver, GroupMembershipFieldsResolver, ManualMembershipResolver, UpdateTenantSettingsPayloadResolver } from './group/membership.resolver';
import { DomainSchemaResolver } from './mapping/domain-schema.resolver';
import { MappingLifecycleResolver } from './mapping/mapping-lifecycle.resolver';
import { NodeResolver } from './node.resolver';
import { EventSubscriptionResolver } from './subscriptions/events.resolver';
import { ScimOAuthResolver } from './admin/scim-oauth.resolver';
import { DeprovisionedUserResolver } from './user/deprovisioned-user.resolver';
import { UserEditResolver } from './user/user-edit.resolver';
import { UserResolver } from './user/user.resolver';
import { UserAdminResolver } from './user/user-admin.resolver';
import { TenantResolver, ViewerResolver } from './viewer/viewer.resolver';

/**
 * `pubSub` carries the live change events (the EventFeed's). type-graphql needs one to build a schema
 * with subscriptions, so printing the schema file gets a fresh one that nothing publishes to.
 */
export async function buildGraphqlSchema(pubSub: PubSub = createPubSub()): Promise<GraphQLSchema> {
  return buildSchema({
    pubSub,
    resolvers: [
      ViewerResolver,
      TenantResolver,
      UserResolver,
      GroupResolver,
      NodeResolver,
      UserConnectionResolver,
      GroupConnectionResolver,
      ApiKeyResolver,
      TenantAdminResolver,
      DomainSchemaResolver,
      LogsResolver,
      GroupMembershipResolver,
      MappingLifecycleResolver,
      OwnershipResolver,
      WebhookResolver,
      EventSubscriptionResolver,
      UserEditResolver,
      ScimOAuthResolver,
      ConsoleAccessResolver,
      UserAdminResolver,
      DeprovisionedUserResolver,
      GroupMembershipFieldsResolver,
      GroupMembershipConnectionResolver,
      UpdateTenantSettingsPayloadResolver,
      ManualMembershipResolver,
    ],
    authChecker: scopeAuthChecker,
    // Inputs are checked where their meaning lives (domain and services), not by class-validator.
    validate: false,
  });
}

const GENERATED_HEADER = '# Emitted from the type-graphql classes in src/graphql by `npm run graphql:generate`; do not edit.\n\n';

/** The schema as committed in schema/schema.graphql: sorted, so the file changes only when the schema does. */
export function printGraphqlSchema(schema: GraphQLSchema): string {
  return `${GENERATED_HEADER}${printSchema(lexicographicSortSchema(schema))}\n`;
}
