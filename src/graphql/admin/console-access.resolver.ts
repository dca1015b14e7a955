import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { ConsoleSetupLink as ConsoleSetupLinkValue, ConsoleSignIn as ConsoleSignInValue } from '../../persistence/repositories/console-access.repository';
import { auditContextOf, type GraphqlContext } from '../context';
import { Scope } from '../scope';
import {
  ConfigureConsoleSignInInput,
  ConfigureConsoleSignInPayload,
  ConsoleSetupLink,
  ConsoleSignIn,
  CreateConsoleSetupLinkInput,
  CreateConsoleSetupLinkPayload,
  RemoveConsoleSignInPayload,
  RevokeConsoleSetupLinkInput,
  RevokeConsoleSetupLinkPayload,
} from './console-access.type';

function toSignIn(signIn: ConsoleSignInValue): ConsoleSignIn {
  return { issuer: signIn.issuer, clientId: signIn.clientId, hasClientSecret: signIn.clientSecret !== null, displayName: signIn.displayName, adminRole: signIn.adminRole };
}

/** Who may open the admin console: setup links and sign-in with the tenant's IdP. */
@Resolver()
@Authorized<Scope>(Scope.ADMIN)
export class ConsoleAccessResolver {
  @Query(() => [ConsoleSetupLink], { description: 'The latest 100 console setup links, newest first (admin).' })
  consoleSetupLinks(@Ctx() context: GraphqlContext): Promise<ConsoleSetupLinkValue[]> {
    return context.services.consoleAccess.listSetupLinks(context.tenantId);
  }

  @Mutation(() => CreateConsoleSetupLinkPayload, { description: 'Mints a one-time link that opens the console as an admin of this tenant; shown once (admin).' })
  async createConsoleSetupLink(
    @Arg('input', () => CreateConsoleSetupLinkInput, { nullable: true }) input: CreateConsoleSetupLinkInput | null,
    @Ctx() context: GraphqlContext,
  ): Promise<CreateConsoleSetupLinkPayload> {
    const minted = await context.services.consoleAccess.mintSetupLink(context.tenantId, { expiresInHours: input?.expiresInHours ?? null }, auditContextOf(context));
    return { link: minted.link, url: context.services.consoleAccess.setupLinkUrl(minted.token) };
  }

  @Mutation(() => RevokeConsoleSetupLinkPayload, { description: 'Revokes a setup link and ends the console sessions it opened, at once (admin).' })
  async revokeConsoleSetupLink(@Arg('input', () => RevokeConsoleSetupLinkInput) input: RevokeConsoleSetupLinkInput, @Ctx() context: GraphqlContext): Promise<RevokeConsoleSetupLinkPayload> {
    return { link: await context.services.consoleAccess.revokeSetupLink(context.tenantId, input.id, auditContextOf(context)) };
  }

  @Query(() => ConsoleSignIn, { nullable: true, description: "The IdP admins sign in to the console with; null when only setup links open it (admin)." })
  async consoleSignIn(@Ctx() context: GraphqlContext): Promise<ConsoleSignIn | null> {
    const signIn = await context.services.consoleSignIn.settings(context.tenantId);
    return signIn ? toSignIn(signIn) : null;
  }

  @Mutation(() => ConfigureConsoleSignInPayload, { description: "Lets the tenant's admins sign in to the console with its IdP (OIDC), replacing any earlier registration (admin)." })
  async configureConsoleSignIn(@Arg('input', () => ConfigureConsoleSignInInput) input: ConfigureConsoleSignInInput, @Ctx() context: GraphqlContext): Promise<ConfigureConsoleSignInPayload> {
    return { signIn: toSignIn(await context.services.consoleSignIn.configure(context.tenantId, input, auditContextOf(context))) };
  }

  @Mutation(() => RemoveConsoleSignInPayload, { description: 'Stops console sign-in with the IdP; setup links still work (admin).' })
  async removeConsoleSignIn(@Ctx() context: GraphqlContext): Promise<RemoveConsoleSignInPayload> {
    return { removed: await context.services.consoleSignIn.remove(context.tenantId, auditContextOf(context)) };
  }
}
