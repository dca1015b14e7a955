import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Scope } from '../scope';
import { Tenant } from './tenant.type';

export enum CredentialKind {
  API_KEY = 'API_KEY',
  OIDC_TOKEN = 'OIDC_TOKEN',
  CONSOLE_SESSION = 'CONSOLE_SESSION',
}

registerEnumType(CredentialKind, { name: 'CredentialKind', description: 'How the caller authenticated.' });

@ObjectType({ description: 'Who is calling: tenant, scopes, credential.' })
export class Viewer {
  @Field(() => Tenant)
  tenant!: Tenant;

  @Field(() => [Scope])
  scopes!: Scope[];

  @Field(() => CredentialKind)
  credential!: CredentialKind;

  @Field(() => String, { nullable: true, description: "The API key's id, the access token's sub claim, or the console admin (userName or setup link)." })
  subject!: string | null;
}
