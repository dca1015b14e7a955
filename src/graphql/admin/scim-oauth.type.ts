import { DateTimeResolver } from 'graphql-scalars';
import { Field, InputType, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: "The connection's OAuth 2.0 client (client credentials grant), which IdPs may use instead of the static SCIM token; never its secret." })
export class ScimOAuthClient {
  @Field()
  clientId!: string;

  @Field({ description: 'Where the IdP trades client id and secret for an access token, below the SCIM base URL: {SCIM base URL}/oauth/token.' })
  tokenEndpointPath!: string;

  @Field(() => Int)
  tokenLifetimeMinutes!: number;

  @Field(() => DateTimeResolver)
  secretCreatedAt!: number;
}

@ObjectType()
export class IssueScimOAuthClientSecretPayload {
  @Field(() => ScimOAuthClient)
  client!: ScimOAuthClient;

  @Field({ description: 'The client secret (ihcsec_...), shown only now: only its hash is stored.' })
  clientSecret!: string;
}

@InputType()
export class IssueScimOAuthClientSecretInput {
  @Field(() => Int, { nullable: true, description: 'Access token lifetime, 60-360 minutes; omitted: the current setting (default 60).' })
  tokenLifetimeMinutes?: number | null;
}
