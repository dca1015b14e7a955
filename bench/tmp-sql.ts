import path from 'node:path';
import os from 'node:os';
import { mkdtempSync } from 'node:fs';
import { createDatabase, seedUsers, seedGroups } from './lib/seed';
import { ServerHandle, stopAllServers } from './lib/servers';
import { request } from './lib/load';
import { QUERIES } from './benchmarks/graphql';
async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gq-'));
  const file = path.join(dir, 'g.sqlite');
  const [tenant] = await createDatabase(file, ['acme']);
  const users = seedUsers(file, tenant, 2000, { keepIds: true });
  const members: string[][] = Array.from({ length: 50 }, () => []);
  users.ids.forEach((id, i) => { for (let o = 0; o < 3; o++) members[(i + o) % 50].push(id); });
  seedGroups(file, tenant, members.map((m, i) => ({ displayName: `team-${i}`, memberIds: m })));
  const hub = await ServerHandle.start('hub', { kind: 'hub', sqliteFile: file });
  for (const q of process.argv.slice(2)) {
    const body = JSON.stringify({ query: (QUERIES as any)[q] });
    const h = { 'content-type': 'application/json', authorization: `Bearer ${tenant.apiKey}` };
    await request(hub.url, 'POST', '/graphql', h, body);
    await hub.stats('reset-texts');
    const r = await request(hub.url, 'POST', '/graphql', h, body);
    const t0 = performance.now(); for (let i = 0; i < 200; i++) await request(hub.url, 'POST', '/graphql', h, body);
    console.log(q, r.status, r.body.slice(0, 200), ((performance.now() - t0) / 200).toFixed(2), 'ms/req sequential');
    console.log(JSON.stringify((await hub.stats('sql')).texts, null, 1));
  }
  await stopAllServers();
}
main();
