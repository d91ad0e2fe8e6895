/**
 * The visualiser in a real browser: Debian's headless Chromium driven by playwright-core, over a
 * local store, while a toy DAG runs with one task held on a gate the test opens.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { systemClock } from '../../src/adapters/clock/system-clock.js';
import { startUiServer, type RunningUiServer } from '../../src/adapters/http/ui-server.js';
import { createMemoryLogger } from '../../src/adapters/logging/winston-logger.js';
import { LocalObjectStore } from '../../src/adapters/storage/local-store.js';
import { Scheduler } from '../../src/orchestrator/scheduler.js';
import { collectPageProblems, launchChromium, saveScreenshot, type HeadlessChromium } from '../harness/browser.js';
import { Gates, Publish } from '../harness/gated-tasks.js';

const DATE = '2026-11-27';
const COMBINE = `Combine(date=${DATE})`;
const PUBLISH = `Publish(date=${DATE})`;
const RUN_ID = '20261127T020000Z-e2eui1';

const node = (id: string, status?: string): string => `svg#dag g.node[data-task-id="${id}"]${status ? `[data-status="${status}"]` : ''}`;

async function statuses(page: Page): Promise<Record<string, string>> {
  return page.$$eval('svg#dag g.node', (gs) => Object.fromEntries(gs.map((g) => [g.getAttribute('data-task-id'), g.getAttribute('data-status')])));
}

describe('returns ui in Chromium', () => {
  let dir: string;
  let server: RunningUiServer;
  let browser: HeadlessChromium | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'returns-ui-e2e-'));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('draws the DAG, follows a run from running to complete, and lists it in the history', async () => {
    const store = new LocalObjectStore(dir);
    const logger = createMemoryLogger();
    // What TrainModel and Report will write; here they are just files in the store.
    await store.put(`TrainModel/date=${DATE}/model.json`, JSON.stringify({ metrics: { auc: 0.7134, brier: 0.1862, rows: 1840 } }));
    await store.put(`TrainModel/date=${DATE}/_SUCCESS`, '{}');
    await store.put(`Report/date=${DATE}/report.html`, '<!doctype html><title>report</title><h1>Returns report</h1>');
    server = await startUiServer({
      store,
      clock: systemClock,
      logger,
      resolveRoots: (task, date) => {
        if (task !== 'Publish') throw new Error(`unknown task ${task}`);
        return [new Publish({ date })];
      },
      tasks: ['Publish'],
      defaultTask: 'Publish',
      port: 0,
      // Faster than the 2 s / 10 s defaults, so the test does not wait on the clock.
      pollRunningMs: 300,
      pollIdleMs: 500,
    });

    const { page } = browser!;
    const problems = collectPageProblems(page);
    const elsewhere: string[] = [];
    page.on('request', (r) => void (!r.url().startsWith(server.url) && elsewhere.push(r.url())));
    page.on('response', (r) => void (r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`)));

    await page.goto(`${server.url}?task=Publish&date=${DATE}`);
    await page.waitForSelector(node(PUBLISH));
    expect(await page.locator('svg#dag g.node').count()).toBe(4);
    expect(await page.locator('svg#dag path.edge').count()).toBe(3);
    expect(Object.values(await statuses(page))).toEqual(['pending', 'pending', 'pending', 'pending']);
    await page.waitForSelector('#history tbody td:text("No runs recorded")');

    const gates = new Gates();
    gates.close('Combine');
    const run = new Scheduler<Gates>({ store, logger, clock: systemClock, resources: gates, runId: RUN_ID }, { workers: 2, retries: 0, retryDelayMs: 10 }).run([new Publish({ date: DATE })]);
    await gates.whenEntered('Combine');

    await page.waitForSelector(node(COMBINE, 'running'), { timeout: 30_000 });
    expect(await statuses(page)).toEqual({
      [`Extract(name=orders, date=${DATE})`]: 'complete',
      [`Extract(name=returns, date=${DATE})`]: 'complete',
      [COMBINE]: 'running',
      [PUBLISH]: 'pending',
    });
    expect(await page.locator(`${node(COMBINE)} text.state`).textContent()).toMatch(/^running · \d+\.\d s$/);
    await page.waitForSelector(`#history tr[data-run-id="${RUN_ID}"][data-status="running"]`);
    expect(await page.getAttribute('body', 'data-running')).toBe('true');
    await saveScreenshot(page, 'ui-running.png');

    gates.open('Combine');
    expect((await run).status).toBe('success');
    await page.waitForSelector(node(PUBLISH, 'complete'), { timeout: 30_000 });
    expect(Object.values(await statuses(page))).toEqual(['complete', 'complete', 'complete', 'complete']);
    await page.waitForSelector(`#history tr[data-run-id="${RUN_ID}"][data-status="success"]`);
    expect(await page.locator(`#history tr[data-run-id="${RUN_ID}"] td`).nth(4).textContent()).toBe('4 / 0 / 0 / 0');
    expect(await page.locator('#metrics').textContent()).toContain('auc0.7134');
    expect(await page.getAttribute('#report-link', 'href')).toBe(`report/${DATE}`);
    await saveScreenshot(page, 'ui.png');

    await page.click('#report-link');
    await page.waitForSelector('h1:text("Returns report")');

    expect(problems).toEqual([]);
    expect(elsewhere).toEqual([]);
  });
});
