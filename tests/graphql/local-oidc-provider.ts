import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

export interface SignedTokenOptions {
  readonly audience?: string | string[];
  readonly issuer?: string;
  /** Seconds from now; negative for an expired token. */
  readonly expiresIn?: number;
  readonly claims?: JWTPayload;
  /** Sign with a key the provider does not publish. */
  readonly foreignKey?: boolean;
}

/**
 * A stand-in for a company OIDC provider: an ES256 key pair generated for the test and its public key
 * published as a JWKS on a local HTTP endpoint. Counts JWKS fetches, so tests can see the hub cache them.
 */
interface PendingCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly nonce: string | undefined;
}

/** Who the authorization endpoint signs in (it approves every request at once, as a test IdP may). */
export interface LocalOidcUser {
  readonly sub: string;
  readonly email: string;
}

export class LocalOidcProvider {
  jwksFetches = 0;
  /** Requests to the discovery document and the token endpoint (sign-in with the console). */
  discoveryFetches = 0;
  tokenRequests = 0;
  signInAs: LocalOidcUser = { sub: 'employee-42', email: 'employee@example.com' };
  private readonly codes = new Map<string, PendingCode>();
  /** What the JWKS endpoint answers: 200 with the key set, or this status (a provider having an outage). */
  jwksStatus = 200;

  private constructor(
    private readonly server: Server,
    private readonly privateKey: CryptoKey,
    private readonly foreignKey: CryptoKey,
    public issuer: string,
  ) {}

  /**
   * An authorization server for OIDC sign-in (authorization code with PKCE) whose issuer is its own
   * http://127.0.0.1:<port>: discovery, /authorize (approves at once, as signInAs) and /token.
   */
  static async startAuthorizationServer(): Promise<LocalOidcProvider> {
    const provider = await LocalOidcProvider.start('http://127.0.0.1');
    provider.issuer = provider.baseUrl;
    return provider;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The authorization-code endpoints; false when the request is for none of them. */
  private async serveSignIn(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const url = new URL(request.url ?? '/', this.baseUrl);
    const json = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/.well-known/openid-configuration') {
      this.discoveryFetches += 1;
      json(200, {
        issuer: this.issuer,
        authorization_endpoint: `${this.baseUrl}/authorize`,
        token_endpoint: `${this.baseUrl}/token`,
        jwks_uri: this.jwksUrl,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none', 'client_secret_post'],
      });
      return true;
    }
    if (url.pathname === '/authorize') {
      const code = randomBytes(16).toString('hex');
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      this.codes.set(code, {
        clientId: url.searchParams.get('client_id') ?? '',
        redirectUri,
        codeChallenge: url.searchParams.get('code_challenge') ?? '',
        nonce: url.searchParams.get('nonce') ?? undefined,
      });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      response.writeHead(302, { location: back.href }).end();
      return true;
    }
    if (url.pathname === '/token' && request.method === 'POST') {
      this.tokenRequests += 1;
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const pending = this.codes.get(form.get('code') ?? '');
      this.codes.delete(form.get('code') ?? '');
      const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
      if (!pending || pending.codeChallenge !== challenge || pending.redirectUri !== form.get('redirect_uri')) {
        json(400, { error: 'invalid_grant' });
        return true;
      }
      const now = Math.floor(Date.now() / 1000);
      const idToken = await new SignJWT({ email: this.signInAs.email, preferred_username: this.signInAs.email, ...(pending.nonce ? { nonce: pending.nonce } : {}) })
        .setProtectedHeader({ alg: 'ES256', kid: 'key-1', typ: 'JWT' })
        .setIssuer(this.issuer)
        .setSubject(this.signInAs.sub)
        .setAudience(pending.clientId)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(this.privateKey);
      json(200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: idToken });
      return true;
    }
    return false;
  }

  static async start(issuer = 'https://login.example.test/realms/company'): Promise<LocalOidcProvider> {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const foreign = await generateKeyPair('ES256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' }] };
    let provider: LocalOidcProvider | undefined;
    const server = createServer(async (request, response) => {
      if (request.url !== '/jwks.json') {
        if (!provider || !(await provider.serveSignIn(request, response))) response.writeHead(404).end();
        return;
      }
      if (provider) provider.jwksFetches += 1;
      if (provider && provider.jwksStatus !== 200) {
        response.writeHead(provider.jwksStatus).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    provider = new LocalOidcProvider(server, privateKey, foreign.privateKey, issuer);
    return provider;
  }

  get jwksUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks.json`;
  }

  async token(options: SignedTokenOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sub: 'employee-42', ...options.claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'key-1', typ: 'at+jwt' })
      .setIssuer(options.issuer ?? this.issuer)
      .setAudience(options.audience ?? 'identity-hub')
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresIn ?? 300))
      .sign(options.foreignKey ? this.foreignKey : this.privateKey);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
