// End-to-end test of the real desktop app: a real window (under Xvfb), driven through
// tauri-driver and WebKitWebDriver, on a real data folder. Started by scripts/e2e-desktop.
//
// It opens the app with --demo, picks the demo workspace, checks that the KPI tiles show the
// same numbers the CLI computes from the same database, that the chart draws one line per
// platform, starts an export job and watches its progress bar reach done, opens an audience's
// signals and the rows behind one, has the local model write its reports and opens a claim's
// evidence, searches the mentions, creates twins of an audience and opens a memory's evidence,
// runs a short focus group in the room on the local model (watching a turn stream in and
// interjecting as the moderator), writes its insights, designs a short survey and runs it on the
// local model (charts, reliability flags, a crosstab), runs the ANES 1996 example like its people
// and sees the fidelity view and the analysis agent's report, connects Meta against the sandbox
// (`profitwheel sandbox`), picks one account, syncs it and sees the dashboard's spend grow to
// what the engine computes, asks the copilot (its steps stream in; a citation opens the
// result it cites, the one the CLI reads from the kept run), runs the anomaly specialist from
// the Agents screen (its report kept, a schedule picked), builds a client deck in the Decks
// screen (the theme set with a live preview, a slide retitled, the PowerPoint checked for both,
// held to the Open XML SDK's rules and printed by LibreOffice, then delivered into a folder with
// a system notification), and saves screenshots.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { remote } from 'webdriverio';

const app = process.env.PW_E2E_APP;
const cli = process.env.PW_E2E_CLI;
const dataDir = process.env.PROFITWHEEL_DATA_DIR;
const outDir = process.env.PW_E2E_OUT ?? '.e2e';
if (!app || !cli || !dataDir) throw new Error('PW_E2E_APP, PW_E2E_CLI and PROFITWHEEL_DATA_DIR must be set');
mkdirSync(outDir, { recursive: true });
/** The checkout: the deck readers `scripts/install-project-tools` installs live in its .tools/. */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The sandbox the connection check starts; stopped at the end. */
let sandbox = null;

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

/** A window screenshot once the last change has been painted (WebKit under Xvfb paints late when busy). */
async function shot(name) {
  await browser.pause(1_000);
  await browser.saveScreenshot(`${outDir}/${name}.png`);
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
    // The workspace is listed while the demo job still writes its data; the tiles follow when
    // it ends. Compare once both the engine and the tile have the whole of it.
    await browser.waitUntil(
      async () =>
        JSON.parse(execFileSync(cli, ['--data-dir', dataDir, '--json', 'jobs', 'list'], { encoding: 'utf8' })).some(
          (j) => j.kind === 'demo.generate' && j.state === 'succeeded',
        ),
      { timeout: 180_000, interval: 1_000, timeoutMsg: 'the demo job did not finish' },
    );
    const engineSpend =
      JSON.parse(execFileSync(cli, ['--data-dir', dataDir, '--json', 'kpis', 'Halcyon Roasters (demo)'], { encoding: 'utf8' }))
        .sections[0].kpis.find((k) => k.key === 'Spend').current / 1e6;
    await browser.waitUntil(
      async () => {
        const shown = parseDisplayed(await browser.$('[data-testid="kpi-spend-value"]').getText());
        return Math.abs(shown - engineSpend) / engineSpend < 0.005;
      },
      { timeout: 30_000, interval: 500, timeoutMsg: 'the spend tile did not follow the finished demo' },
    );
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

  // The evidence layer: the demo is followed by a signal build and a search index update.
  await check('the signal build and the search index update after the demo finish', async () => {
    const started = Date.now();
    await browser.waitUntil(
      async () => {
        const states = await browser.execute(() =>
          [...document.querySelectorAll('[data-testid^="job-"]')].map((el) => [
            el.querySelector('.job__title')?.textContent ?? '',
            el.getAttribute('data-state'),
          ]),
        );
        const failed = states.find(([, state]) => state === 'failed');
        if (failed) throw new Error(`job "${failed[0]}" failed`);
        const signals = states.find(([title]) => /signals/i.test(title));
        const index = states.find(([title]) => /search index/i.test(title));
        const active = states.filter(([, state]) => state === 'queued' || state === 'running');
        return signals?.[1] === 'succeeded' && index?.[1] === 'succeeded' && active.length === 0;
      },
      // About 4 minutes on an idle 2-core machine (theme naming on the local model); more when shared.
      { timeout: 900_000, interval: 2_000, timeoutMsg: 'the signal build and index update did not finish in 15 minutes' },
    );
    console.log(`     signal build and index update done ${Math.round((Date.now() - started) / 1000)} s after the dashboard checks`);
  });

  await check('a question answered by the local model shows in the workspace spend', async () => {
    // The signal build named its themes with the local model too (it has finished, above):
    // count the calls before asking, so the question is the one call added.
    const before = JSON.parse(
      execFileSync(cli, ['--json', 'models', 'spend', 'Halcyon Roasters (demo)'], { encoding: 'utf8' }),
    ).calls;
    assert(Number.isInteger(before), `the CLI gives no call count: ${before}`);
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
    const expected = before === 0 ? 'on 1 call ·' : `on ${(before + 1).toLocaleString('en-US')} calls ·`;
    await browser.waitUntil(async () => (await total.getText()).includes(expected), {
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

  await check('an audience shows its signals grouped by kind with interval bars', async () => {
    await (await browser.$('[data-testid="nav-audiences"]')).click();
    const item = await browser.$('//a[starts-with(@data-testid, "audience-")][contains(., "Coffee culture 18-34")]');
    await item.waitForExist({ timeout: 30_000, timeoutMsg: 'the audience list never showed Coffee culture 18-34' });
    await item.click();
    const detail = await browser.$('[data-testid="audience-detail"]');
    await browser.waitUntil(async () => (await detail.getText()).includes('Coffee culture 18-34'), { timeout: 10_000 });
    const behavior = await browser.$('[data-testid="signals-behavior"]');
    await behavior.waitForExist({ timeout: 30_000, timeoutMsg: 'no behavior signals' });
    const bars = await behavior.$$('[data-testid="interval-bar"]');
    assert(bars.length > 0, 'behavior signals have no interval bars');
    const baselines = await behavior.$$('[data-testid="interval-baseline"]');
    assert(baselines.length > 0, 'no segment shows its baseline');
    const themes = await browser.$('[data-testid="signals-mentionTheme"]');
    assert(await themes.isExisting(), 'no mention themes for the audience');
    assert((await themes.$$('[data-testid="sentiment-bar"]')).length > 0, 'themes have no sentiment bar');
    assert((await themes.$$('[data-testid="weekly-chart"] .recharts-bar-rectangle')).length > 0, 'themes have no weekly bars');
    await browser.execute(() => document.querySelector('.main-area')?.scrollTo(0, 0));
    await shot('desktop-audience');
    await browser.execute(() =>
      document.querySelector('[data-testid="signals-mentionTheme"]')?.scrollIntoView({ block: 'start' }),
    );
    await shot('desktop-audience-themes');
  });

  await check('a signal opens the rows behind it', async () => {
    const statement = await browser.$('[data-testid="signals-behavior"] .signal__statement');
    await statement.scrollIntoView({ block: 'center' });
    await statement.click();
    const drawer = await browser.$('[data-testid="evidence-drawer"]');
    await drawer.waitForDisplayed({ timeout: 10_000 });
    const row = await drawer.$('[data-testid="evidence-row"]');
    await row.waitForExist({ timeout: 30_000, timeoutMsg: 'the signal shows no evidence rows' });
    const count = await drawer.$('[data-testid="evidence-count"]').getText();
    assert(/^Showing \d+ rows?; the signal rests on [\d,]+ rows?/.test(count), `evidence count says "${count}"`);
    console.log(`     ${count}`);
    await shot('desktop-signal-evidence');
    await (await drawer.$('button[aria-label="Close"]')).click();
    await browser.waitUntil(async () => !(await drawer.isExisting()), { timeout: 5_000 });
  });

  await check('reports written by the local model: a claim opens its evidence', async () => {
    const write = await browser.$('[data-testid="write-reports"]');
    await write.scrollIntoView({ block: 'center' });
    const started = Date.now();
    await write.click();
    const progress = await browser.$('[data-testid="reports-progress"]');
    await progress.waitForExist({ timeout: 15_000, timeoutMsg: 'Write reports showed no progress' });
    assert(!(await write.isEnabled()), 'Write reports stays enabled while its job runs');
    await shot('desktop-reports-writing');
    await browser.waitUntil(async () => !(await progress.isExisting()), {
      timeout: 600_000,
      interval: 2_000,
      timeoutMsg: 'the reports job never finished',
    });
    const seconds = Math.round((Date.now() - started) / 1000);
    const failed = await browser.execute(() =>
      [...document.querySelectorAll('[data-testid^="job-"][data-state="failed"]')].map((el) => el.textContent),
    );
    assert(failed.length === 0, `a job failed: ${failed.join(' | ')}`);
    console.log(`     the local model's reports done in ${seconds} s`);
    // A report none of whose claims holds up against its signals is not stored (the job says
    // which and why), so a small model may leave a kind unwritten; at least one must be there.
    await browser.waitUntil(async () => (await browser.$$('.report-item')).length >= 1, {
      timeout: 15_000,
      timeoutMsg: 'the audience lists no report',
    });
    // Open each report until one has a claim that held up against its evidence.
    const kept = [];
    for (const kind of ['behavior', 'intent', 'mentions']) {
      const item = await browser.$(`[data-testid="report-${kind}"]`);
      if (!(await item.isExisting())) {
        console.log(`     ${kind}: not written (no claim held up)`);
        continue;
      }
      const text = (await item.getText()).replace(/\s+/g, ' ');
      console.log(`     ${kind}: ${text}`);
      if (!/ 0 of \d+ claims kept/.test(text)) kept.push(kind);
    }
    assert(kept.length > 0, 'no report kept a claim');
    await (await browser.$(`[data-testid="report-${kept[0]}"]`)).click();
    const claim = await browser.$('[data-testid="report-view"] [data-testid="claim"] .claim__text');
    await claim.waitForExist({ timeout: 15_000, timeoutMsg: 'the report shows no claims' });
    await shot('desktop-report');
    await claim.click();
    const drawer = await browser.$('[data-testid="evidence-drawer"]');
    await drawer.waitForDisplayed({ timeout: 10_000 });
    const row = await drawer.$('[data-testid="evidence-row"]');
    await row.waitForExist({ timeout: 30_000, timeoutMsg: 'the claim shows no evidence rows' });
    await shot('desktop-claim-evidence');
    await (await drawer.$('button[aria-label="Close"]')).click();
  });

  await check('searching the mentions marks the matches and draws their histogram', async () => {
    await (await browser.$('[data-testid="nav-search"]')).click();
    const input = await browser.$('[data-testid="search-input"]');
    await input.waitForDisplayed({ timeout: 10_000 });
    await input.setValue('shipping');
    await input.addValue('\uE007'); // Enter submits the box
    await browser.waitUntil(
      async () => (await browser.execute(() => window.location.hash)).includes('q=shipping'),
      { timeout: 5_000, timeoutMsg: 'Enter did not run the search' },
    );
    await (await browser.$('[data-testid="kind-mention"]')).click();
    await browser.waitUntil(
      async () => (await browser.execute(() => window.location.hash)).includes('kind=mention'),
      { timeout: 5_000 },
    );
    const hit = await browser.$('[data-testid="search-hit"][data-kind="mention"]');
    await hit.waitForExist({ timeout: 30_000, timeoutMsg: 'no mention matches "shipping"' });
    await browser.waitUntil(
      async () =>
        (await browser.execute(() =>
          [...document.querySelectorAll('[data-testid="search-hit"]')].every((h) => h.getAttribute('data-kind') === 'mention'),
        )),
      { timeout: 10_000, timeoutMsg: 'hits of other kinds remain' },
    );
    const marks = await browser.execute(() =>
      [...document.querySelectorAll('[data-testid="search-hit"] mark')].map((m) => m.textContent.toLowerCase()),
    );
    assert(marks.length > 0 && marks.every((m) => m.includes('ship')), `marked: ${marks.join(', ')}`);
    const bars = await browser.$$('[data-testid="search-histogram"] .recharts-bar-rectangle');
    assert(bars.length > 0, 'the histogram draws no bars');
    const address = await browser.execute(() => window.location.hash);
    console.log(`     ${marks.length} marked words; address ${address}`);
    await shot('desktop-search');
    // The search lives in the address: a reload shows it again. A mark on the old page tells
    // it from the new one (a query right after the refresh can still reach the old page).
    await browser.execute(() => {
      window.__beforeReload = true;
    });
    await browser.refresh();
    await browser.waitUntil(
      async () =>
        (await browser.execute(
          () => !window.__beforeReload && document.readyState === 'complete' && document.querySelector('[data-testid="search-input"]') !== null,
        )),
      { timeout: 30_000, interval: 200, timeoutMsg: 'the page did not come back after the reload' },
    );
    const again = await browser.$('[data-testid="search-hit"][data-kind="mention"]');
    await again.waitForExist({ timeout: 30_000, timeoutMsg: 'the search did not survive a reload' });
    assert((await browser.$('[data-testid="search-input"]').getValue()) === 'shipping', 'the query box lost its text');
    // A hit opens the mention it came from, whole.
    await again.click();
    const source = await browser.$('[data-testid="hit-source"] [data-testid="evidence-row"]');
    await source.waitForExist({ timeout: 15_000, timeoutMsg: 'the hit did not open its mention' });
    const sourceText = (await source.getText()).toLowerCase();
    assert(sourceText.includes('ship'), `the opened mention does not mention shipping: ${sourceText}`);
    await shot('desktop-search-source');
    await (await browser.$('[data-testid="nav-dashboard"]')).click();
  });

  // Twins of a demo audience, a short focus group in the room on the local model, insights.
  let twinIds = [];
  await check('twins are created from a demo audience and each memory opens its evidence', async () => {
    await (await browser.$('[data-testid="nav-twins"]')).click();
    const audience = await browser.$('[data-testid="create-twins-audience"]');
    await audience.waitForExist({ timeout: 30_000, timeoutMsg: 'the twins area shows no create form' });
    await browser.waitUntil(async () => (await audience.isEnabled()), { timeout: 30_000, timeoutMsg: 'no audiences to pick' });
    await audience.selectByVisibleText('Coffee culture 18-34');
    const count = await browser.$('[data-testid="create-twins-count"]');
    await count.clearValue();
    await count.setValue('2');
    const started = Date.now();
    await (await browser.$('[data-testid="create-twins"]')).click();
    await browser.waitUntil(async () => (await browser.$$('[data-testid="twin-card"]')).length >= 2, {
      timeout: 300_000,
      interval: 1_000,
      timeoutMsg: 'two twins never appeared in the gallery',
    });
    console.log(`     two twins written by the local model in ${Math.round((Date.now() - started) / 1000)} s`);
    twinIds = await browser.execute(() =>
      [...document.querySelectorAll('[data-testid="twin-card"]')].map((el) => el.getAttribute('data-twin-id')),
    );
    await shot('desktop-twins');
    await (await browser.$('[data-testid="twin-card"] a')).click();
    const memory = await browser.$('[data-testid="memory"]');
    await memory.waitForExist({ timeout: 15_000, timeoutMsg: 'the profile shows no memories' });
    const memories = await browser.$$('[data-testid="memory"]');
    assert(memories.length >= 3, `a new twin holds ${memories.length} memories`);
    await (await memory.$('[data-testid="memory-toggle"]')).click();
    const evidence = await memory.$('[data-testid="memory-evidence"]');
    await evidence.waitForDisplayed({ timeout: 5_000, timeoutMsg: 'the memory did not open its evidence' });
    const links = await evidence.$$('[data-testid="evidence-link"]');
    assert(links.length >= 1, 'the memory lists no evidence');
    console.log(`     first memory rests on: ${(await links[0].getText()).replace(/\s+/g, ' ').slice(0, 140)}`);
    await shot('desktop-twin-profile');
  });

  await check('a short focus group runs in the room: turns stream in, the moderator interjects', async () => {
    assert(twinIds.length >= 2, 'no twins to seat');
    await (await browser.$('[data-testid="nav-studies"]')).click();
    await (await browser.$('[data-testid="new-focus-group"]')).click();
    await (await browser.$('[data-testid="guide-tab-toml"]')).click();
    const toml = await browser.$('[data-testid="guide-toml"]');
    await toml.waitForDisplayed({ timeout: 10_000 });
    // WebKitWebDriver types "\n" as nothing in a textarea: set the text as a paste would, through
    // the element's own value setter and an input event React listens to.
    await browser.execute((text) => {
      const area = document.querySelector('[data-testid="guide-toml"]');
      Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set.call(area, text);
      area.dispatchEvent(new Event('input', { bubbles: true }));
    }, 'title = "Morning coffee"\n\n[[sections]]\nname = "Warm-up"\ngoals = ["How each starts the day"]\nquestions = ["How does your day start with coffee?"]\nturn_budget = 2\n');
    for (const id of twinIds.slice(0, 2)) await (await browser.$(`[data-testid="pick-twin-${id}"]`)).click();
    const cost = await browser.$('[data-testid="estimate-cost"]');
    try {
      await cost.waitForExist({ timeout: 30_000 });
    } catch {
      await shot('desktop-focus-group-setup-no-estimate');
      const said = await browser.execute(() => document.querySelector('main')?.innerText ?? '');
      throw new Error(`no estimate before starting; the screen says: ${said.replace(/\s+/g, ' ').slice(0, 600)}`);
    }
    console.log(`     estimate: ${(await browser.$('[data-testid="estimate"]').getText()).replace(/\s+/g, ' ')}`);
    await shot('desktop-focus-group-setup');
    await (await browser.$('[data-testid="start-focus-group"]')).click();
    const status = await browser.$('[data-testid="session-status"]');
    await status.waitForExist({ timeout: 20_000, timeoutMsg: 'the room did not open' });
    // The researcher speaks as the moderator while the group runs; it is taken after the turn
    // under way.
    const said = 'Before we go on: what do you drink first thing?';
    await (await browser.$('[data-testid="moderator-text"]')).setValue(said);
    await (await browser.$('[data-testid="speak-as-moderator"]')).click();
    let streamed = false;
    const started = Date.now();
    await browser.waitUntil(
      async () => {
        if (!streamed && (await browser.$('[data-testid="pending-turn"]').isExisting())) {
          // A twin's words streaming in (the moderator's come from the guide, whole).
          const whole = await browser.$('[data-testid="pending-turn"]').getText().catch(() => '');
          const text = await browser.$('[data-testid="pending-text"]').getText().catch(() => '');
          if (text.trim().length > 0 && !/^\s*(Moderator|You \(as moderator\))/.test(whole)) {
            streamed = true;
            await shot('desktop-room-streaming');
          }
        }
        const state = await status.getAttribute('data-status');
        if (state === 'failed') throw new Error(`the session failed: ${await status.getText()}`);
        return state === 'completed';
      },
      { timeout: 600_000, interval: 100, timeoutMsg: 'the focus group did not finish in 10 minutes' },
    );
    console.log(`     the focus group finished in ${Math.round((Date.now() - started) / 1000)} s`);
    assert(streamed, 'no turn was seen streaming into the room');
    const turns = await browser.execute(() =>
      [...document.querySelectorAll('[data-testid="transcript-turn"]')].map((el) => el.textContent ?? ''),
    );
    assert(turns.length >= 4, `only ${turns.length} turns`);
    assert(turns.some((t) => t.includes(said)), 'the interjection is not in the transcript');
    assert(await browser.$('[data-testid="diagnostics"]').isExisting(), 'no diagnostics beside the transcript');
    await shot('desktop-room');
  });

  await check('the finished session replays from the cache, every call reproduced', async () => {
    await (await browser.$('[data-testid="replay-session"]')).click();
    const panel = await browser.$('[data-testid="replay-panel"]');
    await panel.waitForExist({ timeout: 60_000, timeoutMsg: 'no replay panel' });
    const calls = await (await browser.$('[data-testid="replay-calls"]')).getText();
    console.log(`     ${calls.replace(/\s+/g, ' ')}`);
    const counted = /(\d+) of (\d+)/.exec(calls);
    assert(counted && Number(counted[2]) > 0 && counted[1] === counted[2], `not every call reproduced: ${calls}`);
    await shot('desktop-room-replay');
  });

  await check('the insights open, with every kept item quoting its turns', async () => {
    await (await browser.$('[data-testid="insights-link"]')).click();
    const write = await browser.$('[data-testid="write-insights"]');
    await write.waitForExist({ timeout: 15_000, timeoutMsg: 'the insights screen did not open' });
    await write.click();
    const dropped = await browser.$('[data-testid="insights-dropped"]');
    await dropped.waitForExist({ timeout: 300_000, timeoutMsg: 'the insights were never written' });
    const themes = await browser.$$('[data-testid="insight-theme"]');
    for (const theme of themes) {
      assert((await theme.$$('[data-testid="insight-quote"]')).length > 0, 'a theme quotes no turn');
    }
    console.log(`     ${themes.length} themes; ${await dropped.getText()}`);
    await shot('desktop-insights');
  });

  await check('a short survey is designed, previewed and run on the local model, and its charts appear', async () => {
    await (await browser.$('[data-testid="nav-surveys"]')).click();
    const template = await browser.$('[data-testid="new-survey"]');
    await template.waitForExist({ timeout: 30_000, timeoutMsg: 'the surveys area shows no template button' });
    await template.click();
    const editor = await browser.$('[data-testid="survey-editor"]');
    await editor.waitForExist({ timeout: 30_000, timeoutMsg: 'the new survey did not open' });
    const short = JSON.stringify({
      format: 'profitwheel-survey',
      version: 1,
      title: 'Morning coffee',
      questions: [
        { id: 'where', type: 'single_choice', text: 'Where do you buy coffee beans most often?',
          options: [ { id: 'shop', label: 'A coffee shop' }, { id: 'store', label: 'A grocery store' }, { id: 'none', label: 'I do not buy beans', anchored: true } ],
          skip: [ { if: { question: 'where', chose: ['none'] }, to: 'end' } ] },
        { id: 'roasts', type: 'likert', points: 5, labels: ['Strongly disagree', 'Strongly agree'], text: 'I enjoy trying new roasts.' },
      ],
    }, null, 2);
    await editor.setValue(short);
    await (await browser.$('[data-testid="survey-save"]')).click();
    await browser.waitUntil(async () => (await browser.$('h1').getText()) === 'Morning coffee', {
      timeout: 15_000,
      timeoutMsg: 'the edited survey was not saved',
    });
    // The form beside the JSON shows the design just saved.
    const form = await browser.$('[data-testid="design-form"]');
    await browser.waitUntil(
      async () => (await form.$$('textarea, input')).length > 0 && (await browser.execute(() => {
        const f = document.querySelector('[data-testid="design-form"]');
        return f ? Array.from(f.querySelectorAll('input, textarea')).some((e) => e.value === 'I enjoy trying new roasts.') : false;
      })),
      { timeout: 15_000, timeoutMsg: 'the design form does not show the saved rating question' },
    );
    await form.scrollIntoView();
    await shot('desktop-survey-designer');
    // The preview walks the logic: "I do not buy beans" skips the rating.
    const preview = await browser.$('[data-testid="survey-preview"]');
    await (await preview.$('select[aria-label="Answer to where"]')).selectByAttribute('value', 'none');
    await browser.waitUntil(async () => (await preview.getText()).includes('not shown: skipped by a rule of "where"'), {
      timeout: 15_000,
      timeoutMsg: 'the preview did not skip the rating',
    });
    await (await browser.$('[data-testid="run-size"]')).setValue('4');
    await (await browser.$('[data-testid="run-start"]')).click();
    const status = await browser.$('[data-testid="run-status"]');
    await status.waitForExist({ timeout: 30_000, timeoutMsg: 'the run page did not open' });
    const started = Date.now();
    await browser.waitUntil(async () => (await status.getText()).startsWith('completed'), {
      timeout: 300_000,
      interval: 500,
      timeoutMsg: 'the run never completed',
    });
    console.log(`     4 respondents answered on the local model in ${Math.round((Date.now() - started) / 1000)} s`);
    const chart = await browser.$('[data-testid="chart-where"]');
    await chart.waitForExist({ timeout: 30_000, timeoutMsg: 'no chart for the first question' });
    const bars = await chart.$$('[data-testid="share-row"]');
    assert(bars.length === 3, `expected a bar per option, found ${bars.length}`);
    const flags = await browser.$$('[data-testid="reliability"]');
    assert(flags.length === 2, `expected a reliability flag per question, found ${flags.length}`);
    await (await browser.$('[data-testid="crosstab-table"]')).waitForExist({ timeout: 30_000, timeoutMsg: 'no crosstab' });
    await shot('desktop-survey-results');
  });

  await check('the ANES 1996 example runs like its people and the fidelity view overlays both', async () => {
    await (await browser.$('[data-testid="nav-surveys"]')).click();
    const example = await browser.$('[data-testid="anes-example"]');
    await example.waitForExist({ timeout: 30_000, timeoutMsg: 'no ANES example button' });
    await example.click();
    const universe = await browser.$('[data-testid="run-universe"]');
    await universe.waitForExist({ timeout: 60_000, timeoutMsg: 'the ANES survey did not open' });
    await browser.waitUntil(async () => (await universe.$$('option')).length === 2, {
      timeout: 15_000,
      timeoutMsg: 'the ANES people are not offered as the universe',
    });
    const people = await (await universe.$$('option'))[1].getAttribute('value');
    await universe.selectByAttribute('value', people);
    await (await browser.$('[data-testid="run-size"]')).setValue('4');
    await (await browser.$('[data-testid="run-start"]')).click();
    const status = await browser.$('[data-testid="run-status"]');
    await status.waitForExist({ timeout: 30_000, timeoutMsg: 'the run page did not open' });
    await browser.waitUntil(async () => (await status.getText()).startsWith('completed'), {
      timeout: 300_000,
      interval: 500,
      timeoutMsg: 'the ANES run never completed',
    });
    const view = await browser.$('[data-testid="fidelity-view"]');
    await view.waitForExist({ timeout: 60_000, timeoutMsg: 'no fidelity view' });
    const text = await view.getText();
    assert(text.includes('944 people'), `the comparison is not against the 944 people: ${text.slice(0, 200)}`);
    const overlays = await browser.$$('[data-testid^="overlay-"]');
    assert(overlays.length >= 4, `expected overlays for the rated and chosen questions, found ${overlays.length}`);
    await overlays[0].scrollIntoView();
    await shot('desktop-survey-fidelity');
  });

  await check("the analysis agent writes the ANES run's report, each item with its tables and the caveats from the diagnostics", async () => {
    const write = await browser.$('[data-testid="write-report"]');
    await write.waitForEnabled({ timeout: 30_000, timeoutMsg: 'the report cannot be written' });
    await write.scrollIntoView();
    await write.click();
    const body = await browser.$('[data-testid="report-body"]');
    await body.waitForExist({ timeout: 300_000, interval: 500, timeoutMsg: 'no report was written' });
    const caveats = await (await browser.$('[data-testid="report-caveats"]')).getText();
    assert(caveats.includes('Every answer here is synthetic'), `the caveats do not say the answers are synthetic: ${caveats.slice(0, 300)}`);
    assert(caveats.includes("944 people's answers"), `the caveats do not set the run against the 944 people: ${caveats.slice(0, 500)}`);
    const cite = await browser.$('[data-testid="report-caveats"] [data-testid="report-cite"]');
    const handle = await cite.getText();
    await cite.click();
    const line = await (await browser.$('[data-testid="report-line"]')).getText();
    assert(line.startsWith(handle), `the citation ${handle} opened another line: ${line}`);
    const note = await (await browser.$('[data-testid="report-dropped"]')).getText();
    console.log(`     report: ${note.split('.')[0]}`);
    await body.scrollIntoView();
    await shot('desktop-survey-report');
  });

  await check('a platform connects against the sandbox, syncs, and the dashboard changes', async () => {
    const kpis = (...range) =>
      JSON.parse(execFileSync(cli, ['--data-dir', dataDir, '--json', 'kpis', 'Halcyon Roasters (demo)', ...range], { encoding: 'utf8' }));
    const spendOf = (report) => report.sections.find((s) => s.currency === 'USD').kpis.find((k) => k.key === 'Spend').current;
    // The same days before and after: the synced account's data may reach later than the
    // demo's, which moves the dashboard's default period.
    const demoPeriod = kpis();
    const period = ['--from', demoPeriod.from, '--to', demoPeriod.to];
    const before = spendOf(demoPeriod);
    // The sandbox answers like the platforms; its first line says where and with which tokens.
    sandbox = spawn(cli, ['--json', 'sandbox', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const served = await new Promise((resolve, reject) => {
      let text = '';
      sandbox.stdout.on('data', (chunk) => {
        text += chunk;
        if (text.includes('\n')) resolve(JSON.parse(text.split('\n')[0]));
      });
      sandbox.on('exit', (code) => reject(new Error(`the sandbox exited (${code})`)));
    });
    const token = served.tokens.find((t) => t.platform === 'meta').token;
    await (await browser.$('//nav//a[contains(., "Connections")]')).click();
    const platform = await browser.$('#connect-platform');
    await platform.waitForDisplayed({ timeout: 15_000 });
    await platform.selectByAttribute('value', 'meta');
    await (await browser.$('#connect-token')).setValue(token);
    const advanced = await browser.$('//summary[contains(., "Advanced")]');
    if (!(await (await browser.$('#connect-api-root')).isDisplayed())) await advanced.click();
    await (await browser.$('#connect-api-root')).setValue(served.base_url);
    await (await browser.$('//form[@aria-label="Connect a platform"]//button[@type="submit"]')).click();
    const card = await browser.$('//article[@data-testid="connection"][contains(@aria-label, "Meta")]');
    await card.waitForExist({ timeout: 30_000, timeoutMsg: 'the connection never appeared' });
    // The account picker: only the account reporting in US dollars (the demo's currency) syncs.
    const boxes = await card.$$('form[aria-label="Accounts to sync"] input[type="checkbox"]');
    assert(boxes.length === 2, `expected the sandbox's two Meta accounts, found ${boxes.length}`);
    const others = await card.$$('//form[@aria-label="Accounts to sync"]//li[not(contains(., "USD"))]//input[@type="checkbox"]');
    assert(others.length === 1, `expected one account in another currency, found ${others.length}`);
    await others[0].click();
    await (await card.$('//button[contains(., "Save accounts")]')).click();
    await browser.waitUntil(async () => !(await others[0].isSelected()) && (await (await card.$('//button[contains(., "Save accounts")]')).getAttribute('disabled')) !== null, {
      timeout: 10_000,
      timeoutMsg: 'the account choice was not saved',
    });
    await (await card.$('//form[@aria-label="Sync now"]//button[@type="submit"]')).click();
    const headline = await card.$('[data-testid="sync-headline"]');
    await headline.waitForExist({ timeout: 180_000, interval: 500, timeoutMsg: 'the sync never reported' });
    const status = await headline.getAttribute('data-status');
    assert(status === 'succeeded', `the sync ended ${status}: ${await headline.getText()}`);
    const streams = await card.$$('[data-testid="sync-stream"]');
    console.log(`     sync: ${await headline.getText()} (${streams.length} streams)`);
    await shot('desktop-connections-synced');
    const grown = spendOf(kpis(...period));
    assert(grown > before, `the engine's spend over ${demoPeriod.from}..${demoPeriod.to} did not grow: ${before} -> ${grown}`);
    const after = spendOf(kpis());
    await (await browser.$('//nav//a[contains(., "Dashboard")]')).click();
    const tile = await browser.$('[data-testid="kpi-spend-value"]');
    await tile.waitForDisplayed({ timeout: 30_000 });
    await browser.waitUntil(async () => Math.abs(parseDisplayed(await tile.getText()) - after / 1e6) / (after / 1e6) < 0.005, {
      timeout: 30_000,
      timeoutMsg: `the spend tile never showed the synced total ${after / 1e6}`,
    });
    await shot('desktop-dashboard-after-sync');
  });

  await check('the copilot streams its steps and answers, and a citation opens its source', async () => {
    await (await browser.$('[data-testid="open-copilot"]')).click();
    const question = await browser.$('[data-testid="copilot-question"]');
    await question.waitForDisplayed({ timeout: 10_000 });
    await question.setValue('Which platform had the most spend last week?');
    await (await browser.$('[data-testid="copilot-ask"]')).click();
    // The steps stream in while the local model looks (the first step always calls a tool).
    const steps = await browser.$('[data-testid="agent-steps"]');
    await browser.waitUntil(async () => /Looking at|R1/.test(await steps.getText()), {
      timeout: 120_000,
      timeoutMsg: 'no step streamed in',
    });
    const answer = await browser.$('[data-testid="agent-answer"]');
    await answer.waitForDisplayed({ timeout: 600_000, timeoutMsg: 'the copilot never finished' });
    console.log(`     copilot steps: ${(await steps.getText()).replace(/\n/g, ' | ').slice(0, 300)}`);
    await shot('desktop-copilot');
    const citation = await answer.$('[data-testid="agent-citation"]');
    await citation.waitForDisplayed({ timeout: 5_000, timeoutMsg: 'the answer cites nothing' });
    const cited = await citation.getText();
    await citation.click();
    const source = await browser.$('[data-testid="agent-source-text"]');
    await source.waitForDisplayed({ timeout: 10_000 });
    // The source is the kept run's cited result, as the CLI reads it from the same database.
    const workspaceId = decodeURIComponent((await browser.getUrl()).match(/\/w\/([^/?#]+)/)[1]);
    const kept = JSON.parse(
      execFileSync(cli, ['--data-dir', dataDir, '--json', 'agents', 'history', workspaceId, '--limit', '1'], { encoding: 'utf8' }),
    );
    const first = kept[0].citations[0];
    assert(cited.includes(first.id), `the first citation shown (${cited}) is not the kept run's ${first.id}`);
    const shown = (await source.getText()).replace(/\s+/g, ' ').trim();
    assert(shown === first.text.replace(/\s+/g, ' ').trim(), `the source shows ${shown.slice(0, 200)}, the run kept ${first.text.slice(0, 200)}`);
    await shot('desktop-copilot-source');
    await (await browser.$('//aside[@data-testid="copilot-panel"]//button[@aria-label="Close"]')).click();
  });

  await check('a specialist runs from the Agents screen on the local model, its report kept, and takes a schedule', async () => {
    await (await browser.$('[data-testid="nav-agents"]')).click();
    const card = await browser.$('//section[@data-testid="specialist"][.//h2[normalize-space()="Anomaly alerts"]]');
    await card.waitForExist({ timeout: 30_000, timeoutMsg: 'the Agents screen lists no anomaly agent' });
    await (await card.$('[data-testid="run-specialist"]')).click();
    // Its first step reads the scan, streamed in as it happens.
    const steps = await card.$('[data-testid="agent-steps"]');
    await browser.waitUntil(async () => /Looking at|R1/.test(await steps.getText()), {
      timeout: 120_000,
      timeoutMsg: 'no step of the anomaly agent streamed in',
    });
    const answer = await card.$('[data-testid="agent-answer"]');
    await answer.waitForDisplayed({ timeout: 600_000, timeoutMsg: 'the anomaly agent never finished' });
    console.log(`     anomaly agent: ${(await answer.getText()).replace(/\n/g, ' | ').slice(0, 300)}`);
    await shot('desktop-specialist');
    const workspaceId = decodeURIComponent((await browser.getUrl()).match(/\/w\/([^/?#]+)/)[1]);
    const cliJson = (...args) =>
      JSON.parse(execFileSync(cli, ['--data-dir', dataDir, '--json', ...args], { encoding: 'utf8' }));
    const kept = cliJson('agents', 'history', workspaceId, '--agent', 'anomaly', '--limit', '1');
    assert(kept.length === 1, 'the anomaly report is not kept');
    console.log(`     anomaly report: ${kept[0].outcome}, ${kept[0].model_calls} model calls`);
    assert(kept[0].model_calls >= 1, `the kept report made no model call: ${JSON.stringify(kept[0]).slice(0, 300)}`);
    // The scan opens every run, so whatever the small model wrote (or stopped on), the report
    // cites the scan it read.
    const scan = kept[0].citations.find((c) => c.tool === 'anomaly_scan');
    assert(scan && scan.source.kind === 'statistic', `the report does not cite the scan: ${JSON.stringify(kept[0].citations).slice(0, 300)}`);
    assert(/^Anomaly scan of /.test(scan.text), `the scan reads ${scan.text.slice(0, 100)}`);
    // A schedule picked on the card is the one the engine keeps.
    await (await card.$('[data-testid="specialist-schedule"]')).selectByVisibleText('Every Monday at 7:00');
    await browser.waitUntil(
      async () => cliJson('agents', 'list', workspaceId).some((a) => a.agent.name === 'anomaly' && a.schedule === '0 7 * * MON'),
      { timeout: 10_000, timeoutMsg: 'the schedule did not reach the engine' },
    );
  });

  await check('a deck is built from the demo workspace: themed, previewed, a slide retitled, saved as PowerPoint with the theme in it', async () => {
    await (await browser.$('[data-testid="nav-decks"]')).click();
    const picks = await browser.$$('[data-testid="deck-slide"]');
    await browser.waitUntil(async () => (await browser.$$('[data-testid="deck-slide"]')).length > 0, {
      timeout: 60_000,
      timeoutMsg: 'the builder previewed no slide of the demo workspace',
    });
    console.log(`     deck preview: ${(await browser.$$('[data-testid="slide-thumbnail"]')).length} slides (${picks.length} at first look)`);
    // The client's look: the agency's name and a primary colour, drawn before they are saved.
    await (await browser.$('[data-testid="decks-tab-theme"]')).click();
    const agency = await browser.$('[data-testid="theme-agency"]');
    await agency.waitForDisplayed({ timeout: 10_000 });
    await agency.setValue('North & Co');
    const primary = await browser.$('[data-testid="theme-primary"]');
    await primary.clearValue();
    await primary.setValue('#0A7B83');
    const preview = await browser.$('[data-testid="theme-preview"]');
    await browser.waitUntil(async () => (await preview.getText()).includes('by North & Co'), {
      timeout: 10_000,
      timeoutMsg: 'the live preview did not follow the agency name',
    });
    await shot('desktop-deck-theme');
    await (await browser.$('[data-testid="theme-save"]')).click();
    await browser.waitUntil(async () => (await browser.$('main').getText()).includes('Saved for this workspace'), {
      timeout: 10_000,
      timeoutMsg: 'the theme was not saved',
    });
    // Back in the builder: the first finding gets the person's title, then the deck is built.
    await (await browser.$('[data-testid="decks-tab-build"]')).click();
    await (await browser.$('[data-testid="deck-slide"]')).click();
    await (await browser.$('[data-testid="slide-title"]')).setValue('Where the budget went');
    await browser.waitUntil(
      async () => (await (await browser.$('[data-testid="deck-slides"]')).getText()).includes('Where the budget went'),
      { timeout: 30_000, timeoutMsg: 'the preview did not take the new title' },
    );
    await shot('desktop-deck-builder');
    await (await browser.$('[data-testid="deck-build"]')).click();
    const builtPath = await browser.$('[data-testid="deck-built-path"]');
    await builtPath.waitForDisplayed({ timeout: 120_000, timeoutMsg: 'the deck was not built' });
    const path = (await builtPath.getText()).trim();
    console.log(`     deck built: ${path}`);
    const workspaceId = decodeURIComponent((await browser.getUrl()).match(/\/w\/([^/?#]+)/)[1]);
    const listed = JSON.parse(execFileSync(cli, ['--data-dir', dataDir, '--json', 'deck', 'list', workspaceId], { encoding: 'utf8' }));
    assert(listed.length === 1 && path.endsWith(`${listed[0].name.replace(/[/\\:*?"<>|]/g, '-')} v1.pptx`), `the kept file is not the one built: ${JSON.stringify(listed).slice(0, 300)}`);
    // The file as PowerPoint reads it: the theme's colour and the retitled slide are in it.
    const parts = execFileSync(
      'python3',
      [
        '-c',
        'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(z.read("ppt/theme/theme1.xml").decode())\nfor n in sorted(z.namelist()):\n    if n.startswith("ppt/slides/slide"): print(z.read(n).decode())',
        path,
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    assert(parts.includes('0A7B83'), 'the theme colour is not in the PowerPoint file');
    assert(parts.includes('Where the budget went'), 'the retitled slide is not in the file');
    assert(parts.includes('North &amp; Co'), "the agency's name is not on the title slide");
    // The rules behind PowerPoint's repair prompt (the Open XML SDK's, as openxml-audit applies
    // them) find nothing in the deck the app built from the demo workspace.
    const audit = spawnSync(
      `${repoRoot}/.tools/deck-readers/bin/python`,
      ['-m', 'openxml_audit', '--output', 'json', '--max-errors', '0', '--format', 'office2016', path],
      { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '', NO_COLOR: '1' } },
    );
    const verdict = JSON.parse(audit.stdout || '[]')[0];
    assert(
      audit.status === 0 && verdict && verdict.valid === true && verdict.errors.length === 0,
      `the built deck breaks the Open XML SDK's rules: ${(audit.stdout || audit.stderr).slice(0, 1500)}`,
    );
    // LibreOffice prints it, and its first slides are saved beside the screenshots.
    const printed = `${outDir}/deck`;
    mkdirSync(printed, { recursive: true });
    execFileSync('soffice', ['--headless', `-env:UserInstallation=file://${printed}/profile`, '--convert-to', 'pdf', '--outdir', printed, path], {
      timeout: 180_000,
    });
    const pdf = `${printed}/${path.split('/').pop().replace(/\.pptx$/, '.pdf')}`;
    execFileSync('pdftoppm', ['-r', '50', '-png', '-l', '4', pdf, `${outDir}/desktop-deck-slide`]);
  });

  await check('a deck delivered now lands in its folder and the system notification says so', async () => {
    // The app's notification goes to the freedesktop notification service on the session bus;
    // a monitor sees the call whether or not a service shows it (none runs under Xvfb).
    const monitor = spawn('dbus-monitor', ['--session', "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"]);
    let seen = '';
    let refused = '';
    monitor.stdout.on('data', (chunk) => {
      seen += chunk;
    });
    monitor.stderr.on('data', (chunk) => {
      refused += chunk;
    });
    let listening = null;
    let giveUp = null;
    const started = new Promise((resolve, reject) => {
      monitor.on('error', reject);
      monitor.on('exit', (code) => reject(new Error(`dbus-monitor stopped (${code}): ${refused}`)));
      // A monitor's own name is taken away once it listens: from then on it sees every call.
      listening = setInterval(() => {
        if (seen.includes('NameLost')) {
          clearInterval(listening);
          resolve();
        }
      }, 50);
    });
    try {
      await Promise.race([
        started,
        new Promise((_, reject) => {
          giveUp = setTimeout(() => reject(new Error(`dbus-monitor is not listening: ${refused}`)), 10_000);
        }),
      ]);
      const folder = `${dataDir}/delivered decks`;
      mkdirSync(folder, { recursive: true });
      await (await browser.$('[data-testid="decks-tab-deliveries"]')).click();
      // The form's own name for it ("Weekly client deck"): React keeps a cleared field's old value.
      const folderField = await browser.$('[data-testid="delivery-folder"]');
      await folderField.waitForDisplayed({ timeout: 10_000 });
      await folderField.setValue(folder);
      await (await browser.$('[data-testid="delivery-save"]')).click();
      const now = await browser.$('[data-testid="delivery-now"]');
      await now.waitForDisplayed({ timeout: 10_000, timeoutMsg: 'the delivery was not saved' });
      await now.click();
      await browser.waitUntil(async () => readdirSync(folder).some((f) => f.endsWith('.pdf')), {
        timeout: 120_000,
        timeoutMsg: `nothing was delivered into ${folder}`,
      });
      const delivered = readdirSync(folder);
      console.log(`     delivered: ${delivered.join(', ')}`);
      await browser.waitUntil(async () => seen.includes('"Weekly client deck delivered"'), {
        timeout: 20_000,
        timeoutMsg: `no system notification was sent; the bus saw: ${seen.slice(-600)} ${refused}`,
      });
      // The body is escaped for the notification service's markup.
      const named = delivered[0].replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
      assert(seen.includes(named), `the notification does not name the file: ${seen.slice(-600)}`);
      await shot('desktop-deck-delivered');
    } finally {
      clearInterval(listening);
      clearTimeout(giveUp);
      monitor.kill();
    }
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
  sandbox?.kill();
  await browser.deleteSession();
}

console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
