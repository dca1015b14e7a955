import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { GroupProfile } from '../persistence/repositories/group-profile.repository';
import type { UserProfile } from '../persistence/repositories/user-profile.repository';
import type { GraphqlContext } from './context';
import { Node } from './node.interface';
import { Scope } from './scope';

@Resolver()
export class NodeResolver {
  @Authorized<Scope>(Scope.READ)
  @Query(() => Node, { nullable: true, description: 'Refetches a User or Group by its id; null when the tenant has neither.' })
  async node(@Arg('id', () => ID) id: string, @Ctx() context: GraphqlContext): Promise<UserProfile | GroupProfile | null> {
    const [user, group] = await Promise.all([context.loaders.userById.load(id), context.loaders.groupById.load(id)]);
    return user ?? group;
  }
}
