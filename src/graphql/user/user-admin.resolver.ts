import { JSONResolver } from 'graphql-scalars';
import { Authorized, Ctx, Field, FieldResolver, ObjectType, Resolver, Root } from 'type-graphql';
import type { StoredUserValue } from '../../persistence/repositories/mapping.repository';
import type { UserProfile } from '../../persistence/repositories/user-profile.repository';
import type { GraphqlContext } from '../context';
import { Scope } from '../scope';
import { Provenance } from './provenance.type';
import { User } from './user.type';

@ObjectType({ description: 'One stored value of a mapped domain field, with how it was produced.' })
export class MappedValue extends Provenance {
  @Field({ description: 'The domain field key, e.g. appRoles.' })
  field!: string;

  @Field(() => JSONResolver)
  value!: unknown;
}

/** What an admin sees beside the mapped values: the raw SCIM resource, and every value with its provenance. */
@Resolver(() => User)
export class UserAdminResolver {
  @Authorized<Scope>(Scope.ADMIN)
  @FieldResolver(() => JSONResolver, { description: 'The SCIM resource as the IdP last set it (after PATCH), as SCIM reads echo it (admin).' })
  async scimResource(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<Record<string, unknown>> {
    return (await context.services.users.get(context.tenantId, user.id)).raw;
  }

  @Authorized<Scope>(Scope.ADMIN)
  @FieldResolver(() => [MappedValue], { description: 'Every stored mapped value with its provenance, by field (admin).' })
  async mappedValues(@Root() user: UserProfile, @Ctx() context: GraphqlContext): Promise<MappedValue[]> {
    const rows: readonly StoredUserValue[] = await context.loaders.mappedValuesOf.load(user.id);
    return [...rows]
      .sort((left, right) => left.fieldKey.localeCompare(right.fieldKey) || left.position - right.position)
      .map((row) => ({ field: row.fieldKey, value: row.value, ruleId: row.ruleId, mappingVersion: row.mappingVersion, sourcePath: row.sourcePath, rawValue: row.rawValue, updatedAt: row.updatedAt }));
  }
}
