import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const SOURCE_ROOT = path.resolve(__dirname, '..', '..', '..', 'src');
const OUTBOUND_FOLDER = path.join(SOURCE_ROOT, 'outbound');
/** Modules that open connections; only src/outbound may use them for more than types. */
const NETWORK_MODULES = new Set(['undici', 'node:http', 'http', 'node:https', 'https', 'node:http2', 'http2', 'node:net', 'net', 'node:tls', 'tls', 'node:dgram', 'dgram']);
/** Named imports that only listen (a port probe, the server itself): nothing outbound. */
const LISTEN_ONLY = new Set(['createServer']);

function listensOnly(node: ts.ImportDeclaration): boolean {
  const bindings = node.importClause?.namedBindings;
  return !node.importClause?.name && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.every((element) => element.isTypeOnly || LISTEN_ONLY.has((element.propertyName ?? element.name).text));
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** What in the source text could reach the network without the outbound client. */
function outboundBypasses(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const declared = new Set<string>();
  const calls: ts.CallExpression[] = [];
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isParameter(node) || ts.isVariableDeclaration(node) || ts.isFunctionDeclaration(node)) && node.name && ts.isIdentifier(node.name)) declared.add(node.name.text);
    if (ts.isCallExpression(node)) calls.push(node);
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && NETWORK_MODULES.has(node.moduleSpecifier.text) && !node.importClause?.isTypeOnly && !listensOnly(node)) {
      found.push(`imports ${node.moduleSpecifier.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const call of calls) {
    const callee = call.expression;
    const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) && callee.expression.getText() === 'globalThis' ? callee.name.text : undefined;
    if (name === 'fetch' && !declared.has('fetch')) found.push('calls the global fetch');
    if (name === 'createRemoteJWKSet' && !call.arguments.some((argument) => argument.getText().includes('[customFetch]'))) found.push('creates a remote JWKS without the outbound client (customFetch)');
  }
  return found;
}

/** Issue 13: every URL the hub fetches for a tenant goes through src/outbound (address policy, deadlines, no redirects). */
describe('outbound calls', () => {
  it('nothing outside src/outbound opens connections or fetches on its own', () => {
    const bypasses = sourceFiles(SOURCE_ROOT)
      .filter((file) => !file.startsWith(`${OUTBOUND_FOLDER}${path.sep}`))
      .flatMap((file) => outboundBypasses(file, readFileSync(file, 'utf8')).map((what) => `${path.relative(SOURCE_ROOT, file)} ${what}`));
    expect(bypasses).toEqual([]);
  });

  it('recognises a bypass, and a local function named fetch as none', () => {
    const bypassing = [
      "import { request } from 'node:https';",
      "import type { Server } from 'node:http';",
      "import { createServer } from 'node:net';",
      "import { createServer as listener, connect } from 'node:net';",
      "export const calls = [() => request('https://example.com'), () => fetch('https://example.com'), () => createRemoteJWKSet(new URL('https://example.com/jwks'))];",
    ].join('\n');
    expect(outboundBypasses('probe.ts', bypassing)).toEqual(['imports node:https', 'imports node:net', 'calls the global fetch', 'creates a remote JWKS without the outbound client (customFetch)']);
    expect(outboundBypasses('local.ts', 'export async function load(fetch: (id: string) => Promise<string>) { return fetch("a"); }')).toEqual([]);
  });
});
