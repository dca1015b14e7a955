import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const instructions = dockerfile.split('\n').filter((line) => /^[A-Z]+\s/.test(line));
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** The container recipe keeps the promises docs/operating.md makes about it. */
describe('Dockerfile', () => {
  it('builds in one stage and runs from another, on the Node release of .nvmrc', () => {
    const stages = instructions.filter((line) => line.startsWith('FROM '));
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const nvmrc = readFileSync(path.join(ROOT, '.nvmrc'), 'utf8').trim();
    for (const stage of stages) expect(stage).toMatch(new RegExp(`^FROM node:${nvmrc}[-.]`));
    expect(dockerfile).toMatch(/COPY --from=build/);
  });

  it('runs as a non-root user with a health check on /readyz', () => {
    const users = instructions.filter((line) => line.startsWith('USER '));
    expect(users.at(-1)).toMatch(/^USER (?!root\b)\w+/);
    expect(dockerfile).toMatch(/^HEALTHCHECK [^\n]*\\\n[^\n]*\/readyz/m);
  });

  it('starts the server directly (signals reach it), the same file as npm run start:production', () => {
    const command = instructions.filter((line) => line.startsWith('CMD ')).at(-1)!;
    const argv: string[] = JSON.parse(command.slice('CMD '.length));
    expect(`exec ${argv.join(' ')}`).toBe(manifest.scripts['start:production']);
  });

  it('gives node the V8 flags npm start gives it', () => {
    const flags = (script: string) => script.split(/\s+/).filter((word) => word.startsWith('--'));
    expect(flags(manifest.scripts.start)).toContain('--max-semi-space-size=64');
    expect(flags(manifest.scripts['start:production'])).toEqual(flags(manifest.scripts.start));
  });

  it('.dockerignore keeps local state and dependencies out of the build context', () => {
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['.git', 'node_modules', 'dist', 'data', '.env']) expect(ignored).toContain(entry);
  });
});
