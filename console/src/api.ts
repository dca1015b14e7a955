import { Client, cacheExchange, fetchExchange, type CombinedError } from 'urql';

/** Who is signed in, as /console/auth/session reports it. */
export interface ConsoleSession {
  readonly tenant: { readonly id: string; readonly slug: string; readonly name: string };
  readonly subject: string;
  readonly method: 'setupLink' | 'oidc';
  readonly csrfToken: string;
  readonly expiresAt: string;
}

/** The error text an auth endpoint answered with, or a generic one. */
async function errorOf(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: string };
    if (body.error) return body.error;
  } catch {
    // not JSON: fall through to the status
  }
  return `the server answered ${response.status}`;
}

export async function loadSession(): Promise<ConsoleSession | null> {
  const response = await fetch('/console/auth/session', { credentials: 'same-origin' });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(await errorOf(response));
  return (await response.json()) as ConsoleSession;
}

export async function redeemSetupLink(token: string): Promise<void> {
  const response = await fetch('/console/auth/setup-link', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (!response.ok) throw new Error(await errorOf(response));
}

export async function signOut(session: ConsoleSession): Promise<void> {
  const response = await fetch('/console/auth/sign-out', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': session.csrfToken } });
  if (!response.ok) throw new Error(await errorOf(response));
}

export interface SignInOption {
  readonly displayName: string;
  readonly startUrl: string;
}

/** Whether the tenant lets its admins sign in with its IdP. */
export async function signInOptions(slug: string): Promise<SignInOption | null> {
  const response = await fetch(`/console/auth/oidc/${encodeURIComponent(slug)}`, { credentials: 'same-origin' });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(await errorOf(response));
  return (await response.json()) as SignInOption;
}

/** The public GraphQL API, with the session cookie and its CSRF token; every page's data comes from here. */
export function createApiClient(session: ConsoleSession, onSessionEnded: () => void): Client {
  return new Client({
    url: '/graphql',
    exchanges: [cacheExchange, fetchExchange],
    requestPolicy: 'cache-and-network',
    preferGetMethod: false,
    fetchOptions: () => ({ credentials: 'same-origin', headers: { 'X-CSRF-Token': session.csrfToken } }),
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      if (response.status === 401) onSessionEnded();
      return response;
    },
  });
}

/** An API error in words (never raw JSON): each GraphQL error's message, or the network failure. */
export function describeError(error: CombinedError | Error | null | undefined): string | null {
  if (!error) return null;
  if ('graphQLErrors' in error && error.graphQLErrors.length > 0) return error.graphQLErrors.map((item) => item.message).join('; ');
  if ('networkError' in error && error.networkError) return `The hub could not be reached: ${error.networkError.message}`;
  return error.message.replace(/^\[(GraphQL|Network)\] /, '');
}
