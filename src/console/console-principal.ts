import type { Request } from 'express';
import type { GraphqlPrincipal } from '../auth/graphql-principal';
import type { ConsoleAccessService } from '../services/console-access.service';
import { csrfProblem, readConsoleCookie } from './console-session-cookie';

export type ConsolePrincipalResult = { readonly principal: GraphqlPrincipal } | { readonly refused: string };

/** The console admin's principal for a cookie-carrying API request: the tenant's admin, through the public API. */
export type ConsolePrincipalResolver = (request: Request) => Promise<ConsolePrincipalResult | undefined>;

/**
 * Undefined when the request carries no console cookie (other credentials apply); otherwise the
 * session's principal, or why it is refused (ended session, missing CSRF token, foreign origin).
 */
export function consolePrincipalResolver(access: ConsoleAccessService): ConsolePrincipalResolver {
  return async (request) => {
    const cookie = readConsoleCookie(request);
    if (cookie === undefined) return undefined;
    const found = await access.authenticate(cookie);
    if (!found) return { refused: 'the console session has ended: sign in again' };
    const problem = csrfProblem(request, found.session.csrfToken);
    if (problem) return { refused: problem };
    return {
      principal: {
        tenant: found.tenant,
        scopes: ['read', 'admin'],
        credential: { kind: 'consoleSession', sessionId: found.session.id, subject: found.session.subject },
      },
    };
  };
}
