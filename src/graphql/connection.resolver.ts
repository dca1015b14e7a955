import { FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { Connection } from './connection';
import { GroupConnection } from './group/group-connection.type';
import { UserConnection } from './user/user-connection.type';

/** totalCount is a COUNT statement of its own: it runs only when a query selects it. */
@Resolver(() => UserConnection)
export class UserConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() connection: Connection<unknown>): Promise<number> {
    return connection.countTotal();
  }
}

@Resolver(() => GroupConnection)
export class GroupConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() connection: Connection<unknown>): Promise<number> {
    return connection.countTotal();
  }
}
