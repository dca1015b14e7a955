import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Resolver } from 'type-graphql';
import { DomainError } from '../../domain/errors';
import type { UserProfile } from '../../persistence/repositories/user-profile.repository';
import { auditContextOf, type GraphqlContext } from '../context';
import { Scope } from '../scope';
import { User } from './user.type';

@InputType({ description: 'The attributes an admin may set by hand (presentation only); omitted keeps, null removes. The IdP overwrites them when it next sends them.' })
export class UpdateUserInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  displayName?: string | null;

  @Field(() => String, { nullable: true })
  title?: string | null;
}

@ObjectType()
export class UpdateUserPayload {
  @Field(() => User, { description: 'The user after the change.' })
  user!: User;
}

/** A user's presentation attributes, by hand (admin); identity, status and organisation stay the IdP's. */
@Resolver()
@Authorized<Scope>(Scope.ADMIN)
export class UserEditResolver {
  @Mutation(() => UpdateUserPayload, { description: "Sets a user's displayName or title by hand, audited as the admin (admin)." })
  async updateUser(@Arg('input', () => UpdateUserInput) input: UpdateUserInput, @Ctx() context: GraphqlContext): Promise<{ user: UserProfile }> {
    await context.services.manualEdits.updateUser(
      { tenant: context.principal.tenant, context: auditContextOf(context) },
      input.id,
      { displayName: input.displayName, title: input.title },
    );
    const [user] = await context.services.directory.usersByIds(context.tenantId, [input.id]);
    if (!user) throw new DomainError('NOT_FOUND', `User ${input.id} not found`);
    return { user };
  }
}
