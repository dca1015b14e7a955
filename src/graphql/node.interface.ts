import { Field, ID, InterfaceType } from 'type-graphql';

/**
 * Anything `node(id)` refetches. Ids are the SCIM ids: UUIDs the hub generates for users and groups
 * alike, so one id names one object across both types, and `__typename` says which.
 */
@InterfaceType({
  description: 'An object node(id) can refetch; its id is the same id SCIM uses.',
  resolveType: (value: object) => ('userName' in value ? 'User' : 'Group'),
})
export abstract class Node {
  @Field(() => ID)
  id!: string;
}
