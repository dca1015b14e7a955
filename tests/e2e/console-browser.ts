import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { CreateAppOptions } from '../../src/app';
import { ensureConsoleBundle } from '../../src/console/console-bundle';
import { createGraphqlTestHub, type GraphqlTestHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import { testDatabaseKind } from '../support/test-app';

/** Debian's chromium package; nothing downloads a browser (.ci/run installs the package when missing). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'docs', 'screenshots');
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

export interface ConsoleTestBed {
  readonly hub: GraphqlTestHub;
  readonly browser: Browser;
  /** A fresh browser profile (no cookies) at the given width. */
  newContext(viewport?: { width: number; height: number }): Promise<BrowserContext>;
  /** A tenant and a page signed in to its console with a setup link. */
  signedIn(viewport?: { width: number; height: number }): Promise<{ tenant: GraphqlTestTenant; page: Page; context: BrowserContext }>;
  /** Mints a setup link for the tenant; returns its absolute URL. */
  setupLink(tenant: GraphqlTestTenant, expiresInHours?: number): Promise<string>;
  /** docs/screenshots/<name>.png, written by the SQLite run only (both projects would race for the file). */
  screenshot(page: Page, name: string): Promise<void>;
}

/** One hub and one Chromium per test file; each test makes its own tenant and browser context. */
export function useConsoleTestBed(env: Record<string, string> = {}, options: CreateAppOptions = {}): ConsoleTestBed {
  const state: { hub?: GraphqlTestHub; browser?: Browser } = {};
  beforeAll(async () => {
    await ensureConsoleBundle();
    state.hub = await createGraphqlTestHub(env, options);
    state.browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await state.browser?.close();
    await state.hub?.close();
  });
  const bed: ConsoleTestBed = {
    get hub() {
      if (!state.hub) throw new Error('hub not started');
      return state.hub;
    },
    get browser() {
      if (!state.browser) throw new Error('browser not started');
      return state.browser;
    },
    async newContext(viewport = DESKTOP) {
      const context = await bed.browser.newContext({ viewport, baseURL: bed.hub.baseUrl });
      context.setDefaultTimeout(20_000);
      return context;
    },
    async setupLink(tenant, expiresInHours) {
      const minted = await bed.hub.hub.services.consoleAccess.mintSetupLink(tenant.credentials.tenant.id, { expiresInHours }, { actor: { type: 'system', id: 'test' } });
      return bed.hub.hub.services.consoleAccess.setupLinkUrl(minted.token, bed.hub.baseUrl);
    },
    async signedIn(viewport = DESKTOP) {
      const tenant = await bed.hub.tenant();
      const context = await bed.newContext(viewport);
      const page = await context.newPage();
      await page.goto(await bed.setupLink(tenant));
      await page.getByRole('button', { name: 'Open the console' }).click();
      await page.getByRole('heading', { level: 1, name: 'Connect your IdP' }).waitFor();
      return { tenant, page, context };
    },
    async screenshot(page, name) {
      if (testDatabaseKind() !== 'sqlite') return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
  };
  return bed;
}
