import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A one-time link that opens the admin console for this tenant; its token is shown once.' })
export class ConsoleSetupLink {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Who minted it: actor type and id.' })
  createdBy!: string;

  @Field(() => DateTimeResolver)
  createdAt!: number;

  @Field(() => DateTimeResolver)
  expiresAt!: number;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When it was exchanged for a session; null while unused.' })
  usedAt!: number | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When it was revoked (its sessions ended); null otherwise.' })
  revokedAt!: number | null;
}

@InputType()
export class CreateConsoleSetupLinkInput {
  @Field(() => Number, { nullable: true, description: 'Hours until it expires (default CONSOLE_SETUP_LINK_HOURS, at most 720).' })
  expiresInHours?: number | null;
}

@ObjectType()
export class CreateConsoleSetupLinkPayload {
  @Field(() => ConsoleSetupLink)
  link!: ConsoleSetupLink;

  @Field({ description: 'Opens the console once; absolute when PUBLIC_URL is set, else a path on this server. Shown only now.' })
  url!: string;
}

@InputType()
export class RevokeConsoleSetupLinkInput {
  @Field(() => ID)
  id!: string;
}

@ObjectType()
export class RevokeConsoleSetupLinkPayload {
  @Field(() => ConsoleSetupLink)
  link!: ConsoleSetupLink;
}

@ObjectType({ description: "The tenant's IdP as an OIDC client for signing in to the console (authorization code with PKCE)." })
export class ConsoleSignIn {
  @Field()
  issuer!: string;

  @Field()
  clientId!: string;

  @Field({ description: 'Whether a client secret is stored (it is never shown).' })
  hasClientSecret!: boolean;

  @Field({ description: 'The button says "Sign in with <displayName>".' })
  displayName!: string;

  @Field({ description: 'A user whose mapped appRoles hold this value (and who is active) may administer the tenant.' })
  adminRole!: string;
}

@InputType()
export class ConfigureConsoleSignInInput {
  @Field({ description: 'The OIDC issuer (its discovery document is at /.well-known/openid-configuration).' })
  issuer!: string;

  @Field()
  clientId!: string;

  @Field(() => String, { nullable: true, description: 'For confidential clients; public clients use PKCE alone.' })
  clientSecret?: string | null;

  @Field()
  displayName!: string;

  @Field(() => String, { nullable: true, description: 'Default "Admin".' })
  adminRole?: string | null;
}

@ObjectType()
export class ConfigureConsoleSignInPayload {
  @Field(() => ConsoleSignIn)
  signIn!: ConsoleSignIn;
}

@ObjectType()
export class RemoveConsoleSignInPayload {
  @Field({ description: 'False when none was configured.' })
  removed!: boolean;
}
