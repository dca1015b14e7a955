import type { Request, Response } from 'express';

/** The console's session cookie: HttpOnly, SameSite=Strict, Secure when the request came over https. */
export const CONSOLE_COOKIE = 'ih_console';
/** State-changing console requests carry the session's CSRF token in this header. */
export const CSRF_HEADER = 'x-csrf-token';

/** The console cookie's value, if the request carries one. */
export function readConsoleCookie(request: Request): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === CONSOLE_COOKIE) return decodeURIComponent(part.slice(separator + 1).trim());
  }
  return undefined;
}

export function setConsoleCookie(request: Request, response: Response, value: string, expiresAt: number): void {
  response.cookie(CONSOLE_COOKIE, value, { httpOnly: true, sameSite: 'strict', secure: request.secure, path: '/', expires: new Date(expiresAt) });
}

export function clearConsoleCookie(request: Request, response: Response): void {
  response.clearCookie(CONSOLE_COOKIE, { httpOnly: true, sameSite: 'strict', secure: request.secure, path: '/' });
}

/**
 * Why a cookie-authenticated, state-changing request is refused, or undefined when it may proceed: the
 * CSRF token must match the session's, and a browser's Origin must be this server (SameSite=Strict is the
 * first line; these hold where it does not, e.g. a sibling subdomain).
 */
export function csrfProblem(request: Request, csrfToken: string): string | undefined {
  if (request.get(CSRF_HEADER) !== csrfToken) return 'missing or wrong X-CSRF-Token header';
  const origin = request.get('origin');
  if (origin !== undefined && origin !== `${request.protocol}://${request.get('host')}`) return 'the request comes from another origin';
  return undefined;
}
