import { Arg, Authorized, Ctx, Field, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { DomainError } from '../../domain/errors';
import { scimPathOf } from '../../domain/mapping/domain-schema';
import { foldForMatching } from '../../domain/mapping/mapping-values';
import type { StoredOptionValue } from '../../persistence/repositories/mapping.repository';
import type { SchemaVersionDefinition } from '../../services/mapping.service';
import { auditContextOf, type GraphqlContext } from '../context';
import { Scope } from '../scope';
import { DomainSchema, OptionList, OptionValue } from './domain-schema.type';

@InputType()
export class ReviewOptionValueInput {
  @Field({ description: 'The option list key, e.g. region.' })
  list!: string;

  @Field({ description: 'The value, in any spelling that matches it (case and spacing are ignored).' })
  value!: string;

  @Field({ description: 'true approves the value; false puts it back to pending.' })
  approve!: boolean;
}

@ObjectType()
export class ReviewOptionValuePayload {
  @Field(() => OptionValue)
  optionValue!: OptionValue;
}

@InputType()
export class AddOptionValueInput {
  @Field({ description: 'The option list key, e.g. department.' })
  list!: string;

  @Field({ description: 'The new value, spelled as it should be shown.' })
  value!: string;

  @Field(() => [String], { nullable: true, description: 'Other spellings that map to it.' })
  aliases?: string[] | null;
}

@InputType()
export class RenameOptionValueInput {
  @Field()
  list!: string;

  @Field({ description: 'The value, in any spelling that matches it.' })
  value!: string;

  @Field({ description: 'Its new spelling; the old one stays an alias, so the IdP may keep sending it.' })
  newValue!: string;
}

@InputType()
export class MergeOptionValuesInput {
  @Field()
  list!: string;

  @Field(() => [String], { description: 'The values to fold into `into`; they become its aliases.' })
  values!: string[];

  @Field({ description: 'The value that remains.' })
  into!: string;
}

@InputType()
export class RetireOptionValueInput {
  @Field()
  list!: string;

  @Field()
  value!: string;
}

@ObjectType()
export class OptionListEditPayload {
  @Field(() => OptionList, { description: 'The list after the edit.' })
  optionList!: OptionList;

  @Field(() => Int, { description: 'Users whose mapped values followed the edit (each announced by user.updated).' })
  remappedUsers!: number;
}

/** The active definition (seeded when the tenant was created). */
async function activeDefinition(context: GraphqlContext): Promise<SchemaVersionDefinition> {
  const stored = await context.services.directory.activeSchemaDefinition(context.tenantId);
  if (!stored) throw new Error(`tenant ${context.tenantId} has no active domain schema`);
  return stored;
}

function toOptionValue(stored: StoredOptionValue): OptionValue {
  return { value: stored.value, aliases: [...stored.aliases], reviewStatus: stored.reviewStatus, addedBy: stored.addedBy, addedAt: stored.addedAt, sourceRequestId: stored.sourceRequestId };
}

async function optionListsOf(context: GraphqlContext): Promise<OptionList[]> {
  const [definition, values] = await Promise.all([activeDefinition(context), context.services.directory.optionValues(context.tenantId)]);
  return definition.optionLists.map((policy) => ({
    key: policy.key,
    label: policy.label ?? null,
    onUnknown: policy.onUnknown,
    values: values.filter((value) => value.listKey === policy.key).map(toOptionValue),
  }));
}

async function editPayload(context: GraphqlContext, key: string, remappedUsers: number): Promise<OptionListEditPayload> {
  const optionList = (await optionListsOf(context)).find((list) => list.key === key);
  if (!optionList) throw new DomainError('NOT_FOUND', `the domain schema has no option list "${key}"`);
  return { optionList, remappedUsers };
}

/** The tenant's identity model and dropdown vocabularies (admin). */
@Resolver()
@Authorized<Scope>(Scope.ADMIN)
export class DomainSchemaResolver {
  @Query(() => DomainSchema, { description: "The tenant's active domain schema (admin)." })
  async domainSchema(@Ctx() context: GraphqlContext): Promise<DomainSchema> {
    const { schema } = await activeDefinition(context);
    return {
      customSchemaUrn: schema.customSchemaUrn,
      fields: schema.fields.map((field) => ({
        key: field.key,
        label: field.label,
        type: field.type,
        multiValued: field.multiValued ?? false,
        required: field.required ?? false,
        optionList: field.optionList ?? null,
        scimPath: scimPathOf(schema, field) ?? null,
      })),
    };
  }

  @Query(() => [OptionList], { description: 'Every option list of the active schema, with its values (admin).' })
  optionLists(@Ctx() context: GraphqlContext): Promise<OptionList[]> {
    return optionListsOf(context);
  }

  @Query(() => OptionList, { nullable: true, description: 'The option list with this key; null when the schema has none (admin).' })
  async optionList(@Arg('key') key: string, @Ctx() context: GraphqlContext): Promise<OptionList | null> {
    return (await optionListsOf(context)).find((list) => list.key === key) ?? null;
  }

  @Mutation(() => OptionListEditPayload, { description: 'Adds an approved value (with aliases) to an option list; CONFLICT when a spelling names another value (admin).' })
  async addOptionValue(@Arg('input', () => AddOptionValueInput) input: AddOptionValueInput, @Ctx() context: GraphqlContext): Promise<OptionListEditPayload> {
    const edit = await context.services.optionLists.add(context.principal.tenant, input.list, input.value, input.aliases ?? [], auditContextOf(context));
    return editPayload(context, input.list, edit.remappedUsers);
  }

  @Mutation(() => OptionListEditPayload, { description: 'Renames a value; the old spelling stays an alias and users holding it follow, announced (admin).' })
  async renameOptionValue(@Arg('input', () => RenameOptionValueInput) input: RenameOptionValueInput, @Ctx() context: GraphqlContext): Promise<OptionListEditPayload> {
    const edit = await context.services.optionLists.rename(context.principal.tenant, input.list, input.value, input.newValue, auditContextOf(context));
    return editPayload(context, input.list, edit.remappedUsers);
  }

  @Mutation(() => OptionListEditPayload, { description: 'Merges values into one; theirs become its aliases and users holding them follow, announced (admin).' })
  async mergeOptionValues(@Arg('input', () => MergeOptionValuesInput) input: MergeOptionValuesInput, @Ctx() context: GraphqlContext): Promise<OptionListEditPayload> {
    const edit = await context.services.optionLists.merge(context.principal.tenant, input.list, input.values, input.into, auditContextOf(context));
    return editPayload(context, input.list, edit.remappedUsers);
  }

  @Mutation(() => OptionListEditPayload, { description: 'Retires a value: kept on record (reviewStatus retired), matched no more (admin).' })
  async retireOptionValue(@Arg('input', () => RetireOptionValueInput) input: RetireOptionValueInput, @Ctx() context: GraphqlContext): Promise<OptionListEditPayload> {
    const edit = await context.services.optionLists.retire(context.principal.tenant, input.list, input.value, auditContextOf(context));
    return editPayload(context, input.list, edit.remappedUsers);
  }

  @Mutation(() => ReviewOptionValuePayload, { description: 'Approves an option value (typically one the IdP added), or puts it back to pending (admin).' })
  async reviewOptionValue(@Arg('input', () => ReviewOptionValueInput) input: ReviewOptionValueInput, @Ctx() context: GraphqlContext): Promise<ReviewOptionValuePayload> {
    const { directory, manualEdits } = context.services;
    if (!(await manualEdits.reviewOptionValue(context.tenantId, input.list, input.value, input.approve ? 'approved' : 'pending', auditContextOf(context)))) {
      throw new DomainError('NOT_FOUND', `option list "${input.list}" has no value "${input.value}"`);
    }
    const valueNorm = foldForMatching(input.value);
    const reviewed = (await directory.optionValues(context.tenantId)).find((value) => value.listKey === input.list && value.valueNorm === valueNorm);
    if (!reviewed) throw new DomainError('NOT_FOUND', `option list "${input.list}" has no value "${input.value}"`);
    return { optionValue: toOptionValue(reviewed) };
  }
}
