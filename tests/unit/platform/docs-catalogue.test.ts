import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { EVENT_TYPES } from '../../../src/domain/events';
import { GRAPHQL_ERROR_CODES } from '../../../src/graphql/format-error';
import { docPages, DOCS_ROOT } from '../../support/doc-fences';

const read = (file: string) => readFileSync(path.join(DOCS_ROOT, file), 'utf8');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const full = path.join(directory, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const SOURCE = sourceFiles(path.join(DOCS_ROOT, 'src')).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
const matchesIn = (pattern: RegExp, files = SOURCE) => [...new Set(files.flatMap(({ text }) => [...text.matchAll(pattern)].map((match) => match[1])))].sort();
/** The GraphQL adapters: where extensions codes are written. */
const GRAPHQL_SOURCE = SOURCE.filter(({ file }) => /src\/(graphql|auth)\//.test(file));

/** Public standards and vendor documentation: the only places a doc link may leave the repository for. */
const ALLOWED_HOSTS = ['datatracker.ietf.org', 'www.rfc-editor.org', 'learn.microsoft.com', 'developer.okta.com', 'onelogin.service-now.com', 'the-guild.dev', 'graphql.org', 'prometheus.io', 'nodejs.org', 'docs.docker.com', 'www.postgresql.org'];

/** What the source can answer or accept is documented: codes, event types, settings, commands, and links stay in the repository. */
describe('docs catalogue', () => {
  it('docs/graphql.md lists every GraphQL extensions.code the hub can answer', () => {
    const page = read('docs/graphql.md');
    const fromSource = matchesIn(/code: '([A-Z][A-Z_]+)'/g, GRAPHQL_SOURCE);
    const apolloCodes = matchesIn(/'((?:GRAPHQL|PERSISTED_QUERY|OPERATION_RESOLUTION|BAD)_[A-Z_]+)'/g, GRAPHQL_SOURCE);
    const codes = [...new Set([...Object.values(GRAPHQL_ERROR_CODES), ...fromSource, ...apolloCodes, 'INTERNAL_SERVER_ERROR'])];
    expect(codes.filter((code) => !page.includes(`| \`${code}\` |`))).toEqual([]);
  });

  it('docs/events.md describes every event type', () => {
    const page = read('docs/events.md');
    expect(EVENT_TYPES.filter((type) => !page.includes(`| \`${type}\` |`))).toEqual([]);
  });

  it('docs/configuration.md documents every environment variable the source reads', () => {
    const page = read('docs/configuration.md');
    const variables = [...matchesIn(/env\.([A-Z][A-Z0-9_]+)/g), ...matchesIn(/env\[['"]([A-Z][A-Z0-9_]+)['"]\]/g), ...matchesIn(/(?:integer|flag|list)\('([A-Z][A-Z0-9_]+)'/g)];
    expect(variables.length).toBeGreaterThan(30);
    expect([...new Set(variables)].filter((name) => !page.includes(`\`${name}\``))).toEqual([]);
  });

  it('docs/cli.md documents every command of the CLI usage', () => {
    // The usage texts: from `const USAGE = \`` (and OPERATOR_USAGE) to the closing backtick.
    const usage = SOURCE.filter(({ file }) => /src\/(cli|operator-cli)\.ts$/.test(file))
      .flatMap(({ text }) => [...text.matchAll(/USAGE = `([^`]*)`/g)].map((match) => match[1]))
      .join('\n');
    const commands = [...usage.matchAll(/^ {2}([a-z][a-z-]*(?: (?:create|list|settings|validate|export|import|preview|activate|reapply|rotate|revoke|suspend|resume|delete))?)\b/gm)].map((match) => match[1]);
    expect(commands).toEqual(expect.arrayContaining(['migrate', 'tenant create', 'operator-key create', 'tenant delete', 'apikey revoke', 'oauth-client create']));
    const page = read('docs/cli.md');
    expect([...new Set(commands)].filter((command) => !page.includes(`cli -- ${command}`))).toEqual([]);
  });

  it('links resolve inside the repository, or go to public standards and vendor docs; nothing names a machine path', () => {
    const problems: string[] = [];
    for (const file of docPages()) {
      const text = read(file);
      if (/\/work\/|\.\.\/shared\/|\/home\//.test(text)) problems.push(`${file}: names a machine path`);
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^https?:\/\//.test(target)) {
          const host = new URL(target).hostname;
          if (!ALLOWED_HOSTS.includes(host)) problems.push(`${file}: ${target} leaves the repository`);
        } else if (!target.startsWith('#')) {
          const resolved = path.resolve(path.dirname(path.join(DOCS_ROOT, file)), target.split('#')[0]);
          if (!resolved.startsWith(DOCS_ROOT) || !existsSync(resolved)) problems.push(`${file}: ${target} does not exist in the repository`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('README.md stays the front door: at most 120 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(120);
  });
});
