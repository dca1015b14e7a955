import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: "The company OIDC provider whose access tokens this tenant accepts: signed by a key of jwksUrl, for issuer and audience." })
export class OidcProvider {
  @Field()
  issuer!: string;

  @Field()
  audience!: string;

  @Field()
  jwksUrl!: string;

  @Field({ description: 'The claim holding scopes: a space-separated string (scope) or an array (scp).' })
  scopeClaim!: string;

  @Field({ description: 'The scope value that grants READ.' })
  readScope!: string;

  @Field({ description: 'The scope value that grants ADMIN (and READ).' })
  adminScope!: string;
}
