import { JSONResolver } from 'graphql-scalars';
import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { GroupProfile } from '../../persistence/repositories/group-profile.repository';
import type { StoredUserValue } from '../../persistence/repositories/mapping.repository';
import type { UserOrder as UserListOrder, UserProfile } from '../../persistence/repositories/user-profile.repository';
import { connectionComplexity, DEFAULT_PAGE_SIZE, pageRequest, toConnection, type Connection } from '../connection';
import type { GraphqlContext } from '../context';
import { GroupConnection } from '../group/group-connection.type';
import { Scope } from '../scope';
import { attributesOf, textOf, textsOf } from './mapped-values';
import { Provenance } from './provenance.type';
import { UserConnection } from './user-connection.type';
import { toUserCriteria } from './user-criteria';
import { UserFilter } from './user-filter.input';
import { OrderDirection, UserOrder, UserOrderField } from './user-order.input';
import { User } from './user.type';

const DEFAULT_ORDER: UserListOrder = { field: 'createdAt', descending: false };

/** GraphQL order fields -> the repository's. */
const ORDER_FIELDS: Record<UserOrderField, UserListOrder['field']> = {
  [UserOrderField.USER_NAME]: 'userName',
  [UserOrderField.DISPLAY_NAME]: 'displayName',
  [UserOrderField.GIVEN_NAME]: 'givenName',
  [UserOrderField.FAMILY_NAME]: 'familyName',
  [UserOrderField.DEPARTMENT]: 'department',
  [UserOrderField.EMPLOYEE_NUMBER]: 'employeeNumber',
  [UserOrderField.CREATED_AT]: 'createdAt',
  [UserOrderField.UPDATED_AT]: 'updatedAt',
};

/** A single-valued mapped field of the user, batched with the page's other users. */
async function mappedText(context: GraphqlContext, user: UserProfile, fieldKey: string): Promise<string | null> {
  return textOf(await context.loaders.mappedValuesOf.load(user.id), fieldKey);
}

@Resolver(() => User)
@Authorized<Scope>(Scope.READ)
export class UserResolver {
  @Query(() => User, { nullable: true, description: 'The user with this id (the SCIM id); null when the tenant has none.' })
  user(@Arg('id', () => ID) id: string, @Ctx() context: GraphqlContext): Promise<UserProfile | null> {
    return context.loaders.userById.load(id);
  }

  @Query(() => User, { nullable: true, description: 'The user with this userName, matched case-insensitively as SCIM does.' })
  async userByUserName(@Arg('userName') userName: string, @Ctx() context: GraphqlContext): Promise<UserProfile | null> {
    return (await context.services.directory.userByUserName(context.tenantId, userName)) ?? null;
  }

  @Query(() => UserConnection, { complexity: connectionComplexity, description: 'Users of the tenant; oldest first unless orderBy says otherwise.' })
  async users(
    @Arg('filter', () => UserFilter, { nullable: true }) filter: UserFilter | null,
    @Arg('orderBy', () => UserOrder, { nullable: true }) orderBy: UserOrder | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: GraphqlContext,
  ): Promise<Connection<UserProfile>> {
    const order: UserListOrder = orderBy ? { field: ORDER_FIELDS[orderBy.field], descending: orderBy.direction === OrderDirection.DESC } : DEFAULT_ORDER;
    const list = `users/${order.field}/${order.descending ? 'desc' : 'asc'}`;
    const page = pageRequest(list, first, after);
    const criteria = toUserCriteria(filter);
    const { directory } = context.services;
    const result = await directory.listUsers(context.tenantId, criteria, order, page);
    context.loaders.remember(result.items.map((item) => item.node));
    return toConnection(list, page, result, () => directory.countUsers(context.tenantId, criteria));
  }

  @FieldResolver(() => User, { nullable: true, description: 'The manager the mapping names (field manager); null when unset or not provisioned.' })
  async manager(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<UserProfile | null> {
    const managerId = textOf(await context.loaders.mappedValuesOf.load(user.id), 'manager');
    return managerId === null ? null : context.loaders.userById.load(managerId);
  }

  @FieldResolver(() => UserConnection, { complexity: connectionComplexity, description: 'Users whose manager is this user, by userName.' })
  async directReports(
    @Root() user: UserProfile,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: GraphqlContext,
  ): Promise<Connection<UserProfile>> {
    const page = pageRequest('directReports', first, after);
    const result = await context.loaders.directReportsOf(page).load(user.id);
    return toConnection('directReports', page, result, () => context.loaders.directReportCountOf.load(user.id));
  }

  @FieldResolver(() => GroupConnection, { complexity: connectionComplexity, description: 'Groups this user is a direct member of, by displayName.' })
  async groups(
    @Root() user: UserProfile,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: GraphqlContext,
  ): Promise<Connection<GroupProfile>> {
    const page = pageRequest('groupsOfUser', first, after);
    const result = await context.loaders.groupsOfMember(page).load(user.id);
    return toConnection('groupsOfUser', page, result, () => context.loaders.groupCountOfMember.load(user.id));
  }

  // Mapped domain fields: what the tenant's mapping made of the IdP's data (user_values), one batch per page of users.

  @FieldResolver(() => String, { nullable: true, description: 'The display name (mapped).' })
  displayName(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<string | null> {
    return mappedText(context, user, 'displayName');
  }

  @FieldResolver(() => String, { nullable: true, description: 'The first name (mapped).' })
  givenName(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<string | null> {
    return mappedText(context, user, 'givenName');
  }

  @FieldResolver(() => String, { nullable: true, description: 'The last name (mapped).' })
  familyName(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<string | null> {
    return mappedText(context, user, 'familyName');
  }

  @FieldResolver(() => String, { nullable: true, description: 'The email address (mapped; the preset takes userName when it is an address, else the work or primary email).' })
  email(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<string | null> {
    return mappedText(context, user, 'email');
  }

  @FieldResolver(() => String, { nullable: true, description: 'The department, from its option list (mapped).' })
  department(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<string | null> {
    return mappedText(context, user, 'department');
  }

  @FieldResolver(() => String, { nullable: true, description: 'The division (mapped).' })
  division(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<string | null> {
    return mappedText(context, user, 'division');
  }

  @FieldResolver(() => String, { nullable: true, description: 'The organization (mapped).' })
  organization(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<string | null> {
    return mappedText(context, user, 'organization');
  }

  @FieldResolver(() => String, { nullable: true, description: 'The cost center (mapped).' })
  costCenter(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<string | null> {
    return mappedText(context, user, 'costCenter');
  }

  @FieldResolver(() => String, { nullable: true, description: 'The employee number (mapped).' })
  employeeNumber(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<string | null> {
    return mappedText(context, user, 'employeeNumber');
  }

  @FieldResolver(() => String, { nullable: true, description: 'The job title (mapped).' })
  title(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<string | null> {
    return mappedText(context, user, 'title');
  }

  @FieldResolver(() => String, { nullable: true, description: 'The user type (mapped).' })
  userType(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<string | null> {
    return mappedText(context, user, 'userType');
  }

  @FieldResolver(() => [String], { description: "The user's application roles in the tenant's vocabulary (mapped)." })
  async appRoles(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<string[]> {
    return textsOf(await context.loaders.mappedValuesOf.load(user.id), 'appRoles');
  }

  @FieldResolver(() => String, { nullable: true, description: 'The business unit, from its option list (mapped).' })
  businessUnit(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<string | null> {
    return mappedText(context, user, 'businessUnit');
  }

  @FieldResolver(() => String, { nullable: true, description: 'The region, from its option list (mapped).' })
  region(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<string | null> {
    return mappedText(context, user, 'region');
  }

  @FieldResolver(() => JSONResolver, { description: "Every mapped domain field by key, tenant-defined ones included; multi-valued fields are lists." })
  async attributes(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<Record<string, unknown>> {
    const [rows, schema] = await Promise.all([context.loaders.mappedValuesOf.load(user.id), context.loaders.schema()]);
    return attributesOf(rows, schema);
  }

  @Authorized<Scope>(Scope.ADMIN)
  @FieldResolver(() => Provenance, { nullable: true, description: "How the field's (first) value was mapped; null when the user has no value for it (admin)." })
  async provenance(@Root() user: UserProfile, @Arg('field') field: string, @Ctx() context: GraphqlContext): Promise<StoredUserValue | null> {
    return (await context.loaders.mappedValuesOf.load(user.id)).find((row) => row.fieldKey === field) ?? null;
  }
}
