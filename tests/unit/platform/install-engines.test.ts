import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));

/** `npm install` prints EBADENGINE for every locked package whose engines.node excludes the Node in use. */
describe('install hygiene', () => {
  const lowest = semver.minVersion(manifest.engines.node)!.version;

  it('.nvmrc names a Node release the engines field accepts', () => {
    const nvmrc = readFileSync(path.join(ROOT, '.nvmrc'), 'utf8').trim();
    expect(semver.intersects(`^${nvmrc}`, manifest.engines.node)).toBe(true);
  });

  it.each([lowest, '20.20.2'])('every locked package accepts Node %s (no EBADENGINE warning)', (version) => {
    const refusing = Object.entries(lock.packages as Record<string, { engines?: { node?: string } | string[] }>)
      .filter(([, entry]) => !Array.isArray(entry.engines) && typeof entry.engines?.node === 'string')
      .filter(([, entry]) => !semver.satisfies(version, (entry.engines as { node: string }).node))
      .map(([name, entry]) => `${name} wants node ${(entry.engines as { node: string }).node}`);
    expect(refusing).toEqual([]);
  });
});
