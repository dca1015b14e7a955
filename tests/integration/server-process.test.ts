import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/test-app';
import { databaseUrl, freePort, PROJECT_ROOT, runCli } from '../support/processes';

/** `npm start` the way systemd, Docker and process managers run it: a busy port, SIGTERM to the npm process. */
describe(`npm start on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    env = { ...process.env, DATABASE_URL: databaseUrl(database.config), LOG_LEVEL: 'silent', HOST: '127.0.0.1' } as Record<string, string>;
  });
  afterAll(async () => {
    await database.drop();
  });

  function npmStart(port: number) {
    const child = spawn('npm', ['start', '--silent'], { cwd: PROJECT_ROOT, env: { ...env, PORT: String(port) } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, exited, output: () => output };
  }

  async function waitFor(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('on a port in use exits non-zero with one clear line', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', () => resolve()));
    try {
      const started = npmStart(port);
      const code = await started.exited;
      expect(code).not.toBe(0);
      const lines = started.output().trim().split('\n');
      expect(lines).toEqual([`identity-hub failed to start: 127.0.0.1:${port} is already in use; set PORT (and HOST) to a free one`]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('SIGTERM to the npm process stops the server gracefully: nothing keeps serving', async () => {
    const port = await freePort();
    const started = npmStart(port);
    await waitFor(() => started.output().includes('identity-hub listening'), 'the server to listen');
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('tenant create prints the URLs the server serves, from HOST and PORT when PUBLIC_URL is unset', async () => {
    const created = await runCli(['tenant', 'create', 'printed', '--json'], { DATABASE_URL: databaseUrl(database.config), HOST: '127.0.0.1', PORT: '4601' });
    expect(created.status).toBe(0);
    expect(JSON.parse(created.stdout).scimBaseUrl).toBe('http://127.0.0.1:4601/scim/v2');
  });
});
