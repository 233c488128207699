import { expect } from 'chai';
import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { spindle, type CliResult } from './cli-helpers.js';
import { repoRoot } from './cluster.js';
import { awaitJob, openHarness, submitJob, type JobHarness } from './job-harness.js';

/**
 * The web UI in a real browser (issue #20): headless Debian Chromium driven by puppeteer-core (which
 * never downloads a browser) against a job on the real cluster. Through the RM's web proxy: the
 * overview shows the application, the stage page lists the stage's tasks and updates while the
 * stage runs, an executor's log link resolves on its NodeManager; after the job, `spindle ui` serves
 * the same numbers from the event log, and on a running application forwards the live UI to 127.0.0.1 until
 * it ends. Screenshots go to test-artifacts/web-ui/ (not committed).
 */

const ARTIFACTS = join(repoRoot, 'test-artifacts', 'web-ui');
const MAP_TASKS = 8;
const REDUCE_TASKS = 2;

function chromiumPath(): string {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is not installed: apt-get install -y chromium (.ci/run installs it when missing)');
  }
}

/** The little of the DOM the page functions below use (the test code is compiled without lib.dom). */
interface DomEl {
  textContent: string | null;
  querySelector(selector: string): DomEl | null;
}
interface Dom {
  querySelector(selector: string): DomEl | null;
  querySelectorAll(selector: string): Iterable<DomEl>;
}

/** Numbers of a stage page as a person reads them. */
async function stageNumbers(page: Page): Promise<{ done: number; total: number; failed: number; rows: number; succeededRows: number }> {
  return page.evaluate(() => {
    const num = (sel: string) => Number((globalThis as unknown as { document: Dom }).document.querySelector(sel)?.textContent ?? 'NaN');
    const rows = [...(globalThis as unknown as { document: Dom }).document.querySelectorAll('table.tasks tbody tr')];
    return {
      done: num('#stage-done'),
      total: num('#stage-total'),
      failed: num('#stage-failed'),
      rows: rows.length,
      succeededRows: rows.filter((r) => r.querySelector('.s-succeeded')).length,
    };
  });
}

/** The AM serves its tracking URL from before it registers: once the RM says RUNNING, the proxy reaches it. */
async function waitRunning(h: JobHarness, appId: string): Promise<void> {
  for (;;) {
    const r = await h.rm.application(appId);
    if (r.state === 'RUNNING') return;
    expect(['NEW', 'NEW_SAVING', 'SUBMITTED', 'ACCEPTED']).to.include(r.state);
    // The RM has no event to wait on; its state is polled as the other job tests do.
    await sleep(300);
  }
}

/** Starts `spindle ui <appId>` and waits for the URL it prints; `stop` interrupts it (Ctrl-C), `ended` is its exit. */
async function startSpindleUi(appId: string): Promise<{ url: string; stop: () => void; ended: Promise<CliResult> }> {
  let child: ChildProcess | undefined;
  let urlSeen: (url: string) => void = () => {};
  const printed = new Promise<string>((resolve) => (urlSeen = resolve));
  const ended = spindle(['ui', appId], {
    onStdout: (all, c) => {
      child = c;
      const m = /^(http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(all);
      if (m) urlSeen(m[1]!);
    },
  });
  const url = await Promise.race([
    printed,
    ended.then((r): never => {
      throw new Error(`spindle ui exited (${r.code}) before printing its URL: ${r.stderr}`);
    }),
  ]);
  return { url, stop: () => child?.kill('SIGINT'), ended };
}

describe('web UI in a real browser, live through the RM proxy and from the event log', function () {
  this.timeout(300_000);
  let h: JobHarness;
  let browser: Browser;
  /** What the pages themselves said (script errors, failed requests), kept beside the screenshots. */
  const consoleLog: string[] = [];

  before(async () => {
    h = openHarness();
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await puppeteer.launch({
      executablePath: chromiumPath(),
      headless: true,
      // Root in a container has no user namespaces for Chromium's sandbox.
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
  });
  after(async () => {
    writeFileSync(join(ARTIFACTS, 'console.log'), `${consoleLog.join('\n')}\n`);
    await browser?.close();
    await h.close();
  });

  it('shows the application, a stage with its tasks updating while it runs, working log links; spindle ui shows the same from the log', async () => {
    const appId = await submitJob(h, {
      source: `
const busy = (ms) => { const end = Date.now() + ms; while (Date.now() < end); };
export default async function main(ctx) {
  const pairs = ctx.range(${MAP_TASKS * 4}, ${MAP_TASKS}).map((x) => { busy(1000); return [x % 5, 1]; });
  // A slow last stage too: the map stage's last counts reach the page before the application ends.
  return pairs.reduceByKey((a, b) => a + b, { partitions: ${REDUCE_TASKS} }).map((kv) => { busy(2000); return kv; }).collect();
}`,
    });
    const proxy = `${h.config.yarn.rmWebUrls[0]}/proxy/${appId}/`;
    await waitRunning(h, appId);
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    page.on('console', (m) => consoleLog.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLog.push(`pageerror: ${(e as Error).message}`));

    // Overview through the proxy, server-rendered.
    const res = await page.goto(proxy, { waitUntil: 'domcontentloaded' });
    expect(res?.status()).to.equal(200);
    expect(await page.$eval('header .app', (e) => e.textContent)).to.include(appId);
    const overview = await page.$eval('main', (e) => e.textContent ?? '');
    expect(overview).to.include(h.user);
    await page.screenshot({ path: join(ARTIFACTS, '1-overview-live.png'), fullPage: true });

    // The stages page gains its map stage as the driver submits it (ui.js polls api/model and swaps <main>).
    await page.goto(`${proxy}stages`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('table.stages a[href^="stage?id="]', { timeout: 120_000 });
    const mapStage = await page.$eval('table.stages a[href^="stage?id="]', (a) => a.getAttribute('href')!);

    // The stage page: all its tasks listed in the end; a count seen changing while it runs.
    await page.goto(`${proxy}${mapStage}`, { waitUntil: 'domcontentloaded' });
    const first = await stageNumbers(page);
    expect(first.total).to.equal(MAP_TASKS);
    expect(first.done, 'the stage had finished before the page first showed it').to.be.lessThan(MAP_TASKS);
    await page.waitForFunction(
      (before: number) => Number((globalThis as unknown as { document: Dom }).document.querySelector('#stage-done')?.textContent) > before,
      { timeout: 120_000 },
      first.done,
    );
    await page.screenshot({ path: join(ARTIFACTS, '2-stage-running.png'), fullPage: true });

    // An executor's log link resolves on its NodeManager (while the job runs, the NodeManager has the logs).
    await page.goto(`${proxy}executors`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('table.executors a.logs', { timeout: 60_000 });
    const logLinks = await page.$$eval('table.executors a.logs', (as) => as.map((a) => (a as unknown as { href: string }).href));
    expect(logLinks.length).to.be.at.least(1);
    const nm = await fetch(logLinks[0]!);
    expect(nm.status, logLinks[0]).to.equal(200);
    expect(await nm.text()).to.match(/stderr/);
    // Each executor's heartbeat brings its heap, RSS and shuffle served (every 5 s).
    await page.waitForFunction(
      () => {
        const rows = [...(globalThis as unknown as { document: Dom }).document.querySelectorAll('table.executors tbody tr')];
        return rows.length > 0 && rows.every((r) => /RSS \d/.test(r.textContent ?? '') && /iB \/ \d/.test(r.textContent ?? ''));
      },
      { timeout: 60_000 },
    );
    await page.screenshot({ path: join(ARTIFACTS, '3-executors-live.png'), fullPage: true });

    // Back on the stage page until every task is done (still live: the reduce stage follows).
    await page.goto(`${proxy}${mapStage}`, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(
      (n: number) => Number((globalThis as unknown as { document: Dom }).document.querySelector('#stage-done')?.textContent) === n,
      { timeout: 120_000 },
      MAP_TASKS,
    );
    const live = await stageNumbers(page);
    expect(live.succeededRows).to.equal(MAP_TASKS);
    await page.screenshot({ path: join(ARTIFACTS, '4-stage-done-live.png'), fullPage: true });

    const run = await awaitJob(h, appId);
    expect(run.report.finalStatus, run.stderr.slice(-2000)).to.equal('SUCCEEDED');

    // After the end: spindle ui serves the same pages from the event log on 127.0.0.1.
    const { url, stop, ended } = await startSpindleUi(appId);
    try {
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      expect(await page.$eval('main', (e) => e.textContent ?? '')).to.include('succeeded');
      expect(await page.$eval('header', (e) => e.textContent ?? '')).to.include('from the event log');
      await page.screenshot({ path: join(ARTIFACTS, '5-overview-history.png'), fullPage: true });
      await page.goto(`${url}${mapStage}`, { waitUntil: 'domcontentloaded' });
      const after = await stageNumbers(page);
      expect({ done: after.done, total: after.total, failed: after.failed, succeededRows: after.succeededRows }).to.deep.equal({
        done: live.done,
        total: live.total,
        failed: live.failed,
        succeededRows: live.succeededRows,
      });
      await page.screenshot({ path: join(ARTIFACTS, '6-stage-history.png'), fullPage: true });
      await page.goto(`${url}stages`, { waitUntil: 'domcontentloaded' });
      const progress = await page.$$eval('table.stages .bar em', (es) => es.map((e) => e.textContent));
      expect(progress).to.deep.equal([`${MAP_TASKS}/${MAP_TASKS}`, `${REDUCE_TASKS}/${REDUCE_TASKS}`]);
      await page.goto(`${url}dag`, { waitUntil: 'domcontentloaded' });
      expect(await page.$$eval('svg.dag g.node', (n) => n.length)).to.equal(2);
      expect(await page.$$eval('svg.dag line', (n) => n.length)).to.equal(1);
      await page.screenshot({ path: join(ARTIFACTS, '7-dag-history.png'), fullPage: true });
    } finally {
      stop();
    }
    const cli = await ended;
    expect(cli.code, cli.stderr).to.equal(0);
    await page.close();

    // The log keeps every executor's last figures; what they served is map output the reducers read.
    const history = await spindle(['history', appId, '--json']);
    expect(history.code, history.stderr).to.equal(0);
    const doc = JSON.parse(history.stdout) as {
      executors: {
        id: string;
        memoryMb?: number;
        figures?: { peakRssBytes: number; heapLimitBytes: number; shuffleBytesServed: number };
      }[];
      stages: { totals?: { shuffleBytesRead?: number } }[];
    };
    expect(doc.executors.length).to.be.at.least(1);
    for (const x of doc.executors) {
      expect(x.figures, `executor ${x.id}`).to.not.equal(undefined);
      expect(x.figures!.peakRssBytes).to.be.greaterThan(0);
      expect(x.figures!.heapLimitBytes).to.be.greaterThan(0);
      expect(x.memoryMb, `executor ${x.id}'s container memory`).to.be.greaterThan(0);
    }
    const served = doc.executors.reduce((n, x) => n + (x.figures?.shuffleBytesServed ?? 0), 0);
    const read = doc.stages.reduce((n, st) => n + (st.totals?.shuffleBytesRead ?? 0), 0);
    expect(served).to.be.at.most(read);
  });

  it('spindle ui on a running application serves its live UI on 127.0.0.1, and the event log once it ended', async () => {
    const appId = await submitJob(h, {
      source: `
const busy = (ms) => { const end = Date.now() + ms; while (Date.now() < end); };
export default async function main(ctx) {
  return ctx.range(12, 6).map((x) => { busy(1500); return x; }).count();
}`,
    });
    await waitRunning(h, appId);
    const { url, stop, ended } = await startSpindleUi(appId);
    const page = await browser.newPage();
    page.on('pageerror', (e) => consoleLog.push(`pageerror: ${(e as Error).message}`));
    try {
      // Live: the AM's pages, forwarded by spindle ui (no proxy address in the browser).
      const res = await page.goto(`${url}stages`, { waitUntil: 'domcontentloaded' });
      expect(res?.status()).to.equal(200);
      expect(await page.$eval('header', (e) => e.textContent ?? '')).to.include(appId);
      expect(await page.$('header .live'), 'the page served while the application runs is live').to.not.equal(null);
      await page.waitForSelector('table.stages a[href^="stage?id="]', { timeout: 120_000 });
      await page.screenshot({ path: join(ARTIFACTS, '8-spindle-ui-live.png'), fullPage: true });
      const run = await awaitJob(h, appId);
      expect(run.report.finalStatus, run.stderr.slice(-2000)).to.equal('SUCCEEDED');
      // The open page follows the application to its end: its polling brings the event log's page.
      await page.waitForSelector('header .hist', { timeout: 60_000 });
      expect(await page.$$eval('table.stages .bar em', (es) => es.map((e) => e.textContent))).to.deep.equal(['6/6']);
      await page.screenshot({ path: join(ARTIFACTS, '9-spindle-ui-ended.png'), fullPage: true });
    } finally {
      stop();
      await page.close();
    }
    const cli = await ended;
    expect(cli.code, cli.stderr).to.equal(0);
    expect(cli.stderr).to.include(`${appId} has ended: serving its UI from the event log`);
  });

  it('with --event-log off the live UI still works; spindle ui afterwards says there is no log (exit 2)', async () => {
    const appId = await submitJob(h, {
      source: `
const busy = (ms) => { const end = Date.now() + ms; while (Date.now() < end); };
export default async function main(ctx) {
  return ctx.range(8, 4).map((x) => { busy(1500); return x; }).count();
}`,
      eventLog: { enabled: false },
    });
    await waitRunning(h, appId);
    const page = await browser.newPage();
    await page.goto(`${h.config.yarn.rmWebUrls[0]}/proxy/${appId}/stages`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('table.stages a[href^="stage?id="]', { timeout: 120_000 });
    expect(await page.$$eval('table.stages .bar em', (es) => es.map((e) => e.textContent))).to.have.length(1);
    await page.close();
    const run = await awaitJob(h, appId);
    expect(run.report.finalStatus).to.equal('SUCCEEDED');
    const r = await spindle(['ui', appId]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.match(new RegExp(`no event log for ${appId} at /user/${h.user}/\\.spindle/history/${appId}`));
    expect(r.stderr).to.not.match(/\n\s+at /);
  });

  it('spindle ui: an unknown application is a usage error (exit 2), without a stack trace', async () => {
    const r = await spindle(['ui', 'application_1_9999']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/unknown application application_1_9999/);
    expect(r.stderr).to.not.match(/\n\s+at /);
  });
});
