import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
/** The console's browser code (its own build config and tsconfig). */
export const CONSOLE_SOURCE_DIR = path.join(ROOT, 'console');
/** The built pages /console serves. */
export const CONSOLE_BUNDLE_DIR = path.join(CONSOLE_SOURCE_DIR, 'dist');
const LOCK_FILE = path.join(CONSOLE_SOURCE_DIR, '.build-lock');
const LOCK_WAIT_MS = 180_000;
const SKIPPED = new Set(['dist', 'node_modules']);

function newestSourceTime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED.has(entry.name) || entry.name.startsWith('.') || entry.name.startsWith('dist-')) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceTime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** True when the bundle is missing or older than a file of the console's source. */
export function isConsoleBundleStale(): boolean {
  const index = path.join(CONSOLE_BUNDLE_DIR, 'index.html');
  if (!existsSync(index)) return true;
  return newestSourceTime(CONSOLE_SOURCE_DIR) > statSync(index).mtimeMs;
}

function runViteBuild(outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
    const child = spawn(process.execPath, [vite, 'build', '--config', path.join(CONSOLE_SOURCE_DIR, 'vite.config.mts'), '--mode', 'production', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: ROOT,
      // React's production build, whatever the calling process runs as (jest sets NODE_ENV=test).
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`building the console failed (vite exited with ${code})`))));
  });
}

async function waitForLock(): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      return openSync(LOCK_FILE, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A build that died long ago left its lock behind.
      const lockStat = statSync(LOCK_FILE, { throwIfNoEntry: false });
      if (lockStat && Date.now() - lockStat.mtimeMs > LOCK_WAIT_MS) rmSync(LOCK_FILE, { force: true });
      if (Date.now() - started > LOCK_WAIT_MS) throw new Error('timed out waiting for another build of the console');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * Builds the console when its bundle is missing or stale (npm start, tests). One build at a time across
 * processes (a lock file); the new bundle replaces the old one in one rename.
 */
export async function ensureConsoleBundle(): Promise<'built' | 'fresh'> {
  if (!isConsoleBundleStale()) return 'fresh';
  const lock = await waitForLock();
  try {
    if (!isConsoleBundleStale()) return 'fresh';
    const outDir = path.join(CONSOLE_SOURCE_DIR, `dist-${process.pid}`);
    await runViteBuild(outDir);
    rmSync(CONSOLE_BUNDLE_DIR, { recursive: true, force: true });
    renameSync(outDir, CONSOLE_BUNDLE_DIR);
    return 'built';
  } finally {
    closeSync(lock);
    rmSync(LOCK_FILE, { force: true });
  }
}
