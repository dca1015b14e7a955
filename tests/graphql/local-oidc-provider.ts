import { createServer, type Server } from 'node:http';
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
export class LocalOidcProvider {
  jwksFetches = 0;
  /** What the JWKS endpoint answers: 200 with the key set, or this status (a provider having an outage). */
  jwksStatus = 200;

  private constructor(
    private readonly server: Server,
    private readonly privateKey: CryptoKey,
    private readonly foreignKey: CryptoKey,
    readonly issuer: string,
  ) {}

  static async start(issuer = 'https://login.example.test/realms/company'): Promise<LocalOidcProvider> {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const foreign = await generateKeyPair('ES256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' }] };
    let provider: LocalOidcProvider | undefined;
    const server = createServer((request, response) => {
      if (request.url !== '/jwks.json') {
        response.writeHead(404).end();
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
