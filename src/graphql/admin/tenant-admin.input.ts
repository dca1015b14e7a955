import { Field, InputType, Int } from 'type-graphql';

@InputType()
export class RotateScimTokenInput {
  @Field(() => Int, { nullable: true, description: 'Days until the new token expires; it never expires when omitted.' })
  expiresInDays?: number | null;
}

@InputType()
export class UpdateTenantSettingsInput {
  @Field(() => Int, { nullable: true, description: 'What SCIM PATCH on a user answers: 200 (with the resource) or 204.' })
  userPatchStatus?: number | null;
}

@InputType()
export class ConfigureOidcProviderInput {
  @Field({ description: 'The iss claim of its tokens, e.g. https://login.example.com/realms/company.' })
  issuer!: string;

  @Field({ description: 'The aud claim the tokens must carry for this hub.' })
  audience!: string;

  @Field({ description: 'Where its signing keys are published (https).' })
  jwksUrl!: string;

  @Field({ defaultValue: 'scope' })
  scopeClaim!: string;

  @Field({ defaultValue: 'read', description: 'The scope value that grants READ.' })
  readScope!: string;

  @Field({ defaultValue: 'admin', description: 'The scope value that grants ADMIN (and READ).' })
  adminScope!: string;
}
