import { Field, ID, InputType } from 'type-graphql';
import { Scope } from '../scope';

@InputType()
export class CreateApiKeyInput {
  @Field({ description: 'What the key is for, 1-200 characters.' })
  name!: string;

  @Field(() => [Scope], { description: 'ADMIN implies READ.' })
  scopes!: Scope[];
}

@InputType()
export class RevokeApiKeyInput {
  @Field(() => ID)
  id!: string;
}
