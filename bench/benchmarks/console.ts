/**
 * Issue 14: the admin console's first load and the users page at scale, `npm run bench -- console`.
 * C1: the JavaScript index.html loads (its module script and preloads), gzipped as served compressed (budget
 * 300 KB). C2: the users page in headless Chromium (Debian's chromium, playwright-core) over a tenant of
 * 100k users seeded straight into SQLite (smoke: 2,000): from navigation to the first page of the table shown,
 * and the same after a server-side filter, median of the runs. C4: every page of the console's navigation (and a
 * user page and a group page: the group holds every user) over the same tenant, from navigation until its GraphQL
 * requests are answered, rendered, and no loading text is left in the page (target 1 s each at 100k).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { chromium, type Page } from 'playwright-core';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { CONSOLE_BUNDLE_DIR, ensureConsoleBundle } from '../../src/console/console-bundle';
import { check, type BenchmarkResult, type Context } from '../lib/harness';
import { createDatabase, removeDatabase, seedGroups, seedUsers } from '../lib/seed';

const FIRST_LOAD_BUDGET_BYTES = 300 * 1024;
const INTERACTIVE_TARGET_MS = 1000;
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The JavaScript files index.html makes the browser load before the first page renders. */
function firstLoadScripts(): { file: string; bytes: number; gzipped: number }[] {
  const html = readFileSync(path.join(CONSOLE_BUNDLE_DIR, 'index.html'), 'utf8');
  const sources = [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="\/console\/([^"]+\.js)"/g)].map((match) => match[1]!);
  return sources.map((file) => {
    const content = readFileSync(path.join(CONSOLE_BUNDLE_DIR, file));
    return { file, bytes: content.length, gzipped: gzipSync(content, { level: 9 }).length };
  });
}

/** Text a page shows while its data is on the way. */
const PENDING_TEXT = /Loading…|Counting users…|Running…/;
/** A page is settled when no GraphQL request started within this long after the last one ended and it was rendered. */
const QUIET_MS = 150;
/** Groups seeded beside the users: one holding every user (its page is the heaviest) and smaller ones. */
const SMALL_GROUPS = 99;
const SMALL_GROUP_MEMBERS = 100;

/**
 * Milliseconds from navigating to path until the page is interactive: its heading shown, no GraphQL request in
 * flight, no loading text left, and nothing new requested for QUIET_MS after that (the quiet wait is not counted).
 */
async function timeToSettled(page: Page, path: string): Promise<number> {
  let inFlight = 0;
  let started = 0;
  const isGraphql = (url: string) => new URL(url).pathname === '/graphql';
  const onRequest = (request: { url(): string }) => {
    if (isGraphql(request.url())) {
      inFlight += 1;
      started += 1;
    }
  };
  const onDone = (request: { url(): string }) => {
    if (isGraphql(request.url())) inFlight -= 1;
  };
  page.on('request', onRequest);
  page.on('requestfinished', onDone);
  page.on('requestfailed', onDone);
  try {
    const begun = performance.now();
    await page.goto(path);
    await page.getByRole('heading', { level: 1 }).waitFor({ timeout: 30_000 });
    for (;;) {
      while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
      if (inFlight > 0 || (await page.locator('#main').getByText(PENDING_TEXT).count()) > 0) continue;
      const settled = performance.now();
      const requestsSoFar = started;
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
      if (started === requestsSoFar && (await page.locator('#main').getByText(PENDING_TEXT).count()) === 0) return settled - begun;
      if (performance.now() - begun > 30_000) throw new Error(`${path} did not settle in 30 s`);
    }
  } finally {
    page.off('request', onRequest);
    page.off('requestfinished', onDone);
    page.off('requestfailed', onDone);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function runConsole(context: Context): Promise<Omit<BenchmarkResult, 'name' | 'title' | 'seconds'>> {
  await ensureConsoleBundle();
  const scripts = firstLoadScripts();
  const gzipped = scripts.reduce((sum, script) => sum + script.gzipped, 0);
  const users = context.mode.smoke ? 2_000 : 100_000;
  const runs = context.mode.runs;

  const file = path.join(os.tmpdir(), `bench-console-${process.pid}.sqlite`);
  const [tenant] = await createDatabase(file, ['console']);
  const seeded = seedUsers(file, tenant!, users, { keepIds: true });
  const groups = seedGroups(file, tenant!, [
    { displayName: 'Everyone', memberIds: seeded.ids },
    ...Array.from({ length: SMALL_GROUPS }, (_, index) => ({ displayName: `Team ${index}`, memberIds: seeded.ids.slice(index * SMALL_GROUP_MEMBERS, (index + 1) * SMALL_GROUP_MEMBERS) })),
  ]);
  context.log(`seeded ${users} users in ${seeded.seconds.toFixed(1)} s, ${SMALL_GROUPS + 1} groups (${groups.rows} memberships) in ${groups.seconds.toFixed(1)} s`);
  const pages: [label: string, path: string][] = [
    ['Connect your IdP', '/console/connect'],
    ['Users', '/console/users'],
    ['a user', `/console/users/${seeded.ids[users >> 1]}`],
    ['Groups', '/console/groups'],
    [`a group (${users} members)`, `/console/groups/${groups.ids.get('Everyone')}`],
    ['Fields and option lists', '/console/fields'],
    ['Mapping', '/console/mapping'],
    ['Settings', '/console/settings'],
    ['Logs', '/console/logs'],
    ['Apps', '/console/apps'],
  ];
  const settled = new Map<string, number[]>(pages.map(([label]) => [label, []]));
  const hub = await createApp(loadConfig({ DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'silent' }), { logger: pino({ level: 'silent' }), backgroundJobs: false });
  const server = hub.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const firstPage: number[] = [];
  const filtered: number[] = [];
  const counted: number[] = [];
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: baseUrl })).newPage();
    const minted = await hub.services.consoleAccess.mintSetupLink(tenant!.tenantId, {}, { actor: { type: 'system', id: 'bench' } });
    await page.goto(hub.services.consoleAccess.setupLinkUrl(minted.token, baseUrl));
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.getByRole('heading', { level: 1, name: 'Connect your IdP' }).waitFor();
    for (let run = 0; run < runs + 1; run += 1) {
      const started = performance.now();
      await page.goto('/console/users');
      await page.locator('tbody tr').nth(24).waitFor({ timeout: 30_000 });
      await page.getByText(`${users} users`).waitFor({ timeout: 30_000 });
      if (run > 0) firstPage.push(performance.now() - started);
      const filterStarted = performance.now();
      await page.getByRole('textbox', { name: 'Search (name, userName, email)' }).fill('user123@console');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByRole('link', { name: 'user123@console.example.com', exact: true }).waitFor({ timeout: 30_000 });
      await page.locator('tbody tr').nth(1).waitFor({ state: 'detached', timeout: 30_000 });
      if (run > 0) filtered.push(performance.now() - filterStarted);
      await page.getByText('1 users').waitFor({ timeout: 30_000 });
      if (run > 0) counted.push(performance.now() - filterStarted);
    }
    for (let run = 0; run < runs + 1; run += 1) {
      for (const [label, pagePath] of pages) {
        const milliseconds = await timeToSettled(page, pagePath);
        if (run > 0) settled.get(label)!.push(milliseconds);
      }
    }
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await hub.close();
    removeDatabase(file);
  }
  const firstPageMs = Math.round(median(firstPage));
  const filteredMs = Math.round(median(filtered));
  const large = users >= 100_000;
  const perPage = pages.map(([label, pagePath]) => ({ label, path: pagePath.replace(/\/[0-9a-f-]{36}$/, '/:id'), ms: Math.round(median(settled.get(label)!)) }));
  const slowest = perPage.reduce((worst, entry) => (entry.ms > worst.ms ? entry : worst));
  return {
    cases: [],
    ratios: [],
    checks: [
      check('C1', 'console first load: JavaScript gzipped', `<= ${FIRST_LOAD_BUDGET_BYTES / 1024} KB`, `${(gzipped / 1024).toFixed(1)} KB (${scripts.map((script) => `${script.file} ${(script.bytes / 1024).toFixed(0)} KB raw`).join(', ')})`, gzipped <= FIRST_LOAD_BUDGET_BYTES),
      check('C2', `users page interactive at ${users} users (navigation to the first 25 rows and the count, Chromium)`, `<= ${INTERACTIVE_TARGET_MS} ms at 100k`, `${firstPageMs} ms median of ${firstPage.length}`, !large || firstPageMs <= INTERACTIVE_TARGET_MS),
      check('C3', `users page search at ${users} users (apply to the matching rows shown)`, `<= ${INTERACTIVE_TARGET_MS} ms at 100k`, `${filteredMs} ms median of ${filtered.length}`, !large || filteredMs <= INTERACTIVE_TARGET_MS),
      check('C4', `every console page interactive at ${users} users (navigation to data rendered, no loading text; slowest page)`, `<= ${INTERACTIVE_TARGET_MS} ms at 100k`, `${slowest.ms} ms (${slowest.label}), median of ${runs}`, !large || slowest.ms <= INTERACTIVE_TARGET_MS),
      ...perPage.map((entry, index) =>
        check(`C4.${index + 1}`, `${entry.label} (${entry.path}) interactive at ${users} users`, `<= ${INTERACTIVE_TARGET_MS} ms at 100k`, `${entry.ms} ms median of ${runs}`, !large || entry.ms <= INTERACTIVE_TARGET_MS),
      ),
    ],
    seeding: [],
    notes: [
      `seeded ${users} users straight into SQLite in ${seeded.seconds.toFixed(1)} s, and ${SMALL_GROUPS + 1} groups: one of all ${users} users (the group page measured), ${SMALL_GROUPS} of ${SMALL_GROUP_MEMBERS}; one warm-up navigation not counted`,
      `C4 counts until the last GraphQL answer of the page is rendered; a page is settled when nothing more is requested within ${QUIET_MS} ms (not counted)`,
      `the search's total (a second request: it counts every match) was shown after ${Math.round(median(counted))} ms median`,
    ],
    extra: { pages: Object.fromEntries(pages.map(([label]) => [label, settled.get(label)!.map(Math.round)])), scripts, gzippedBytes: gzipped, users, firstPageMs: firstPage.map(Math.round), filteredMs: filtered.map(Math.round), countedMs: counted.map(Math.round) },
  };
}
