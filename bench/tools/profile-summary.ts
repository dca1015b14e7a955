/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --profile`): where the busy CPU time went
 * (idle excluded), as self time by package/folder and by function, and as inclusive time by function
 * (time in the function and everything it called).
 * Usage: node -r @swc-node/register bench/tools/profile-summary.ts <file.cpuprofile> [top=30]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function area(url: string): string {
  if (url === '') return '(native / V8)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  if (url.startsWith('node:')) return url.split('/')[0];
  const project = /\/(src|bench)\/(.*)$/.exec(url);
  if (project) return `${project[1]}/${project[2].split('/').slice(0, -1).join('/') || '.'}`;
  return url;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|bench)\//, '$1/')}:${lineNumber + 1}`;
}

function main(): void {
  const [file, topText] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
  const top = Number(topText ?? 30);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfTime = new Map<number, number>();
  profile.samples.forEach((id, index) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  let busy = 0;
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, time] of selfTime) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    busy += time;
    byFunction.set(label(node), (byFunction.get(label(node)) ?? 0) + time);
    byArea.set(area(node.callFrame.url), (byArea.get(area(node.callFrame.url)) ?? 0) + time);
    // Inclusive: once per distinct function on the stack of this sample.
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current);
      if (!frame) break;
      const key = label(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + time);
    }
  }
  const print = (title: string, map: Map<string, number>) => {
    console.log(`\n${title}`);
    for (const [key, time] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${((100 * time) / busy).toFixed(1).padStart(5)}%  ${key}`);
    }
  };
  console.log(`${file}: ${(busy / 1e6).toFixed(1)} s busy (idle excluded); percentages of busy time`);
  print('self time by package / folder', byArea);
  print('self time by function', byFunction);
  print('inclusive time by function', inclusive);
}

main();
