/**
 * Debian's headless Chromium driven by playwright-core, for the e2e tests that look at a page as a
 * person would (`make browser` installs it). Each launch gets a throwaway profile, and the
 * browser is told not to reach out on its own (updates, sync, background requests), so that a
 * test can assert which requests the page itself makes.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './spawn.js';

const CHROMIUM = '/usr/bin/chromium';
/** Screenshots kept for a person to look at. */
const ARTIFACTS = path.join(repoRoot, 'test-artifacts');

export interface HeadlessChromium {
  readonly context: BrowserContext;
  /** The tab the browser opened with. */
  readonly page: Page;
  /** Closes the browser and removes its profile. Safe to call twice. */
  close(): Promise<void>;
}

export async function launchChromium(): Promise<HeadlessChromium> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: \`make browser\` installs Debian's chromium`);
  const profile = await mkdtemp(path.join(tmpdir(), 'returns-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Console errors and uncaught exceptions of the page, gathered for one assertion at the end. */
export function collectPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
  page.on('pageerror', (e) => void problems.push(e.message));
  return problems;
}

/** A full-page screenshot in test-artifacts/`name`. */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}
