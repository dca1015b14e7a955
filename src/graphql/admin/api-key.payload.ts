import { Field, ObjectType } from 'type-graphql';
import { ApiKey } from './api-key.type';

@ObjectType()
export class CreateApiKeyPayload {
  @Field(() => ApiKey)
  apiKey!: ApiKey;

  @Field({ description: 'The key itself (ihapi_...), shown only now: send it as "Authorization: Bearer <secret>".' })
  secret!: string;
}

@ObjectType()
export class RevokeApiKeyPayload {
  @Field(() => ApiKey)
  apiKey!: ApiKey;
}
