// End-to-end test of the real desktop app: a real window (under Xvfb), driven through
// tauri-driver and WebKitWebDriver, on a real data folder. Started by scripts/e2e-desktop.
//
// It opens the app with --demo, picks the demo workspace, checks that the KPI tiles show the
// same numbers the CLI computes from the same database, that the chart draws one line per
// platform, starts an export job and watches its progress bar reach done, and saves screenshots.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { remote } from 'webdriverio';

const app = process.env.PW_E2E_APP;
const cli = process.env.PW_E2E_CLI;
const dataDir = process.env.PROFITWHEEL_DATA_DIR;
const outDir = process.env.PW_E2E_OUT ?? '.e2e';
if (!app || !cli || !dataDir) throw new Error('PW_E2E_APP, PW_E2E_CLI and PROFITWHEEL_DATA_DIR must be set');
mkdirSync(outDir, { recursive: true });

let passed = 0;
let failed = 0;
async function check(name, body) {
  const started = Date.now();
  try {
    await body();
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name}: ${error?.stack ?? error}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** "$159.26K" -> 159260, "2.21×" -> 2.21, "0.99%" -> 0.0099 */
function parseDisplayed(text) {
  const cleaned = text.replace(/[^0-9.KMB%-]/g, '');
  const number = parseFloat(cleaned);
  const scale = cleaned.endsWith('K') ? 1e3 : cleaned.endsWith('M') ? 1e6 : cleaned.endsWith('B') ? 1e9 : cleaned.endsWith('%') ? 0.01 : 1;
  return number * scale;
}

const browser = await remote({
  hostname: '127.0.0.1',
  port: 4444,
  logLevel: 'warn',
  connectionRetryCount: 0,
  capabilities: { 'tauri:options': { application: app, args: ['--demo'] } },
});

try {
  await check('the demo workspace is created and can be picked', async () => {
    const item = await browser.$('//*[starts-with(@data-testid, "workspace-")][contains(., "Halcyon Roasters (demo)")]');
    await item.waitForExist({ timeout: 120_000, timeoutMsg: 'the demo workspace never appeared' });
    await item.click();
    await browser.$('[data-testid="kpi-spend-value"]').waitForDisplayed({ timeout: 30_000 });
  });

  await check('KPI tiles show the demo numbers the engine computes', async () => {
    const expected = JSON.parse(
      execFileSync(cli, ['--data-dir', dataDir, '--json', 'kpis', 'Halcyon Roasters (demo)'], { encoding: 'utf8' }),
    );
    assert(expected.sections.length === 1, `the demo reports in one currency: ${JSON.stringify(expected.sections.map((s) => s.currency))}`);
    const byKey = Object.fromEntries(expected.sections[0].kpis.map((k) => [k.key, k.current]));
    const spendText = await browser.$('[data-testid="kpi-spend-value"]').getText();
    const spend = parseDisplayed(spendText);
    const expectedSpend = byKey.Spend / 1e6;
    assert(expectedSpend > 10_000, `demo spend should be substantial, engine says ${expectedSpend}`);
    assert(Math.abs(spend - expectedSpend) / expectedSpend < 0.005, `spend tile ${spendText} vs engine ${expectedSpend}`);
    const roasText = await browser.$('[data-testid="kpi-roas-value"]').getText();
    assert(Math.abs(parseDisplayed(roasText) - byKey.ROAS) < 0.01, `ROAS tile ${roasText} vs engine ${byKey.ROAS}`);
    const ctrText = await browser.$('[data-testid="kpi-ctr-value"]').getText();
    assert(Math.abs(parseDisplayed(ctrText) - byKey.CTR) < 0.0005, `CTR tile ${ctrText} vs engine ${byKey.CTR}`);
    for (const key of ['impressions', 'clicks', 'cpc', 'conversions', 'cpa']) {
      const text = await browser.$(`[data-testid="kpi-${key}-value"]`).getText();
      assert(/\d/.test(text), `${key} tile shows ${JSON.stringify(text)}`);
    }
  });

  await check('the chart draws a line per platform', async () => {
    const chart = await browser.$('[data-testid="platform-chart"]');
    await chart.scrollIntoView();
    const text = await chart.getText();
    for (const platform of ['Meta', 'Google Ads', 'TikTok', 'Pinterest']) {
      assert(text.includes(platform), `legend lacks ${platform}: ${text}`);
    }
    const lines = await chart.$$('path.recharts-line-curve');
    assert(lines.length === 4, `expected 4 lines, found ${lines.length}`);
    const d = await lines[0].getAttribute('d');
    assert(d && d.length > 100, 'the first line has no shape');
  });

  await browser.saveScreenshot(`${outDir}/desktop-dashboard.png`);

  await check('an export job runs with live progress to done', async () => {
    const button = await browser.$('//button[contains(., "Export workspace")]');
    await button.click();
    const job = await browser.$('//*[starts-with(@data-testid, "job-")][contains(., "Export")]');
    await job.waitForExist({ timeout: 15_000 });
    const seen = new Set();
    await browser.waitUntil(
      async () => {
        const state = await job.getAttribute('data-state');
        seen.add(state);
        return state === 'succeeded' || state === 'failed';
      },
      { timeout: 60_000, interval: 50, timeoutMsg: 'the export job never finished' },
    );
    assert((await job.getAttribute('data-state')) === 'succeeded', `export ended ${await job.getText()}`);
    const bar = await job.$('progress');
    assert((await bar.getAttribute('aria-valuenow')) === '100', 'the progress bar did not reach 100');
    console.log(`     export job states seen: ${[...seen].join(' -> ')}`);
  });

  await browser.saveScreenshot(`${outDir}/desktop-after-export.png`);

  await check('the campaigns table sorts by spend and filters by name', async () => {
    const table = await browser.$('[data-testid="campaigns-table"]');
    await table.scrollIntoView();
    const rows = await table.$$('tbody tr');
    assert(rows.length === 30, `expected 30 campaigns, found ${rows.length}`);
    const filter = await browser.$('input[aria-label="Filter campaigns by name"]');
    await filter.setValue('Search');
    await browser.waitUntil(async () => (await table.$$('tbody tr')).length < 30, { timeout: 5_000 });
    const names = [];
    for (const row of await table.$$('tbody tr')) names.push(await row.getText());
    assert(names.length > 0 && names.every((n) => n.includes('Search')), `filtered rows: ${names.join(' | ')}`);
    await browser.saveScreenshot(`${outDir}/desktop-campaigns.png`);
    await filter.clearValue();
  });

  await check('a question answered by the local model shows in the workspace spend', async () => {
    // The CLI asks through the same engine and database the window uses, fully offline.
    const answer = JSON.parse(
      execFileSync(cli, ['--json', 'models', 'ask', '--workspace', 'Halcyon Roasters (demo)', '--max-tokens', '12', 'Describe our cold brew in five words.'], { encoding: 'utf8' }),
    );
    assert(answer.vendor === 'local' && answer.text.trim().length > 0, `unexpected answer ${JSON.stringify(answer)}`);
    // Leave and come back through the area navigation: the dashboard reloads its spend.
    await (await browser.$('[data-testid="nav-models"]')).click();
    await (await browser.$('[data-testid="nav-dashboard"]')).click();
    const total = await browser.$('[data-testid="spend-total"]');
    await total.waitForExist({ timeout: 30_000 });
    // Element screenshots come out black in WebKitWebDriver; scroll the panel into the
    // window (its scroll container is the main area, not the page) and shoot the window.
    await browser.execute(() =>
      document.querySelector('[data-testid="model-spend"]')?.scrollIntoView({ block: 'center' }),
    );
    await browser.waitUntil(async () => (await total.getText()).includes('on 1 call ·'), {
      timeout: 10_000,
      timeoutMsg: `spend shows "${await total.getText()}"`,
    });
    await browser.saveScreenshot(`${outDir}/desktop-model-spend.png`);
  });

  await check('a key saved in Models & keys reaches the keychain and never comes back to the page', async () => {
    const canary = `gsk_e2e_canary_${Date.now()}`;
    await (await browser.$('[data-testid="nav-models"]')).click();
    const form = await browser.$('form[aria-label="Add a vendor"]');
    await form.waitForDisplayed({ timeout: 10_000 });
    await (await form.$('select')).selectByAttribute('value', 'groq');
    await (await form.$('input[aria-label="API key"]')).setValue(canary);
    await (await form.$('button[type="submit"]')).click();
    const state = await browser.$('[data-testid="vendor-groq"] [data-testid="key-state"]');
    await state.waitForExist({ timeout: 10_000 });
    await browser.waitUntil(async () => (await state.getText()) === 'Key configured', { timeout: 10_000 });
    const page = await browser.getPageSource();
    assert(!page.includes(canary), 'the key is in the page after saving');
    const status = JSON.parse(execFileSync(cli, ['--json', 'models', 'status'], { encoding: 'utf8' }));
    const groq = status.vendors.find((v) => v.name === 'groq');
    assert(groq?.keyConfigured === true, `the CLI does not see the key: ${JSON.stringify(status.vendors)}`);
    await browser.execute(() => window.scrollTo(0, 0));
    await browser.saveScreenshot(`${outDir}/desktop-models.png`);
    await (await browser.$('[data-testid="vendor-groq"]')).$('button=Remove').click();
    await browser.waitUntil(async () => !(await browser.$('[data-testid="vendor-groq"]').isExisting()), { timeout: 10_000 });
    await (await browser.$('[data-testid="nav-dashboard"]')).click();
  });

  await check('a reload reopens the screen in the address', async () => {
    // Screens live in the part after '#', which Tauri's protocol never sees: a reload
    // loads index.html again and the router reopens the same workspace's dashboard.
    const before = await browser.execute(() => window.location.hash);
    assert(before.startsWith('#/w/') && before.endsWith('/dashboard'), `unexpected address ${before}`);
    await browser.refresh();
    await browser.$('[data-testid="kpi-spend-value"]').waitForDisplayed({ timeout: 30_000 });
    const after = await browser.execute(() => window.location.hash);
    assert(after === before, `the address changed from ${before} to ${after}`);
  });

  await check('the dark theme applies', async () => {
    const toggle = await browser.$('button[aria-label^="Switch to"]');
    const before = await browser.execute(() => getComputedStyle(document.body).backgroundColor);
    await toggle.click();
    await browser.waitUntil(
      async () => (await browser.execute(() => getComputedStyle(document.body).backgroundColor)) !== before,
      { timeout: 5_000, timeoutMsg: 'the background did not change' },
    );
    await browser.execute(() => window.scrollTo(0, 0));
    await browser.saveScreenshot(`${outDir}/desktop-theme-toggled.png`);
  });
} finally {
  await browser.deleteSession();
}

console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
