// The UI test, as a user sees it: code-server with the packaged .vsix installed (--install-extension), Debian's Chromium
// driven by playwright-core. Opens a scratch copy of examples/seed-cluster and deployment.yaml, finds the error squiggle
// on line 29, reads the hover (in a 1366x768 window: it must fit with the diagnostic above it, without scrolling, and
// not repeat the diagnostic's message), opens the quick fix menu with Ctrl+. and applies "Remove this address", then
// sees the Problems count drop to zero. Saves two screenshots (hover.png, quickfix.png).
//
// Environment (all optional; test/e2e/run.mjs sets the first two):
//   KUBE_IP_GUARD_VSIX          the package to install; default: build and package the working tree
//   KUBE_IP_GUARD_E2E_WORK      scratch directory (workspace copy, profiles, logs)
//   KUBE_IP_GUARD_SCREENSHOTS   where to write hover.png and quickfix.png; default: test-results/e2e/screenshots
//                               (scripts/screenshots.mjs points it at docs/images)
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildAndPackage,
  installVsix,
  launchChromium,
  log,
  removeDir,
  repoRoot,
  scratchDir,
  seedWorkspace,
  startCodeServer,
  userSettings,
  workbenchUrl,
} from './lib.mjs';

const LINE = 29;
const ADDRESS = '192.168.0.11';

describe('Kube IP Guard in code-server, as a user sees it', function () {
  this.timeout(60_000);
  this.bail(true); // one story: each step needs the one before

  const shots = process.env.KUBE_IP_GUARD_SCREENSHOTS || join(repoRoot, 'test-results', 'e2e', 'screenshots');
  let work, server, browser, page, ownWork, failed = false;

  before(async function () {
    this.timeout(120_000);
    failed = true; // until the setup below completes
    ownWork = !process.env.KUBE_IP_GUARD_E2E_WORK;
    work = process.env.KUBE_IP_GUARD_E2E_WORK || scratchDir('kig-ui-');
    mkdirSync(work, { recursive: true });
    mkdirSync(shots, { recursive: true });
    const vsix = buildAndPackage(work);
    const userDataDir = join(work, 'ui-user-data');
    const extensionsDir = join(work, 'ui-extensions');
    installVsix(vsix, { userDataDir, extensionsDir });
    const workspace = seedWorkspace(join(work, 'ui-workspace'));
    server = await startCodeServer({
      userDataDir,
      extensionsDir,
      settings: userSettings({ trust: false }), // no "Do you trust the authors" prompt in this test
      logFile: join(work, 'ui-code-server.log'),
    });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1 });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    log(`UI test: ${workbenchUrl(server.origin, workspace)}`);
    await page.goto(workbenchUrl(server.origin, workspace), { timeout: 60_000 });
    failed = false;
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') failed = true;
    if (this.currentTest?.state === 'failed' && page) {
      const file = join(work, `ui-failure-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`);
      await page.screenshot({ path: file }).catch(() => {});
      console.log(`    screenshot of the failure: ${file}`);
    }
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    if (ownWork && !failed && !process.env.KUBE_IP_GUARD_E2E_KEEP) removeDir(work);
    else if (ownWork) console.log(`    logs kept in ${work}`);
  });

  /** The editor's line-number element for a 1-based line, and the rendered text of that line. */
  async function lineBox(line) {
    const number = page.locator('.editor-group-container.active .margin-view-overlays .line-numbers', { hasText: new RegExp(`^${line}$`) });
    await number.waitFor();
    return number.boundingBox();
  }

  const problemsStatus = () => page.locator('[id="status.problems"]');

  it('opens the example workspace and deployment.yaml', async () => {
    await page.locator('.monaco-workbench .part.editor').waitFor({ timeout: 60_000 });
    await page.getByRole('treeitem', { name: 'deployment.yaml' }).click();
    await page.locator('.tab.active', { hasText: 'deployment.yaml' }).waitFor();
    await page.locator('.view-lines .view-line', { hasText: `- ${ADDRESS}` }).waitFor();
    // Room for the hover in the screenshots: hide the side bar (Ctrl+B), as a user with a small window would.
    await page.locator('.editor-group-container.active .monaco-editor textarea').focus();
    await page.keyboard.press('Control+B');
    await page.locator('.part.sidebar').waitFor({ state: 'hidden' });
  });

  it(`marks ${ADDRESS} on line ${LINE} with an error squiggle`, async () => {
    const squiggle = page.locator('.editor-group-container.active .squiggly-error');
    await squiggle.first().waitFor({ timeout: 60_000 });
    assert.equal(await squiggle.count(), 1, 'expected exactly one error squiggle');
    const s = await squiggle.first().boundingBox();
    const l = await lineBox(LINE);
    assert.ok(s.y + s.height / 2 > l.y && s.y + s.height / 2 < l.y + l.height, `the squiggle (y=${s.y}) is not on line ${LINE} (y=${l.y})`);
    // It underlines the address itself.
    const text = page.locator('.view-lines .view-line', { hasText: `- ${ADDRESS}` });
    const t = await text.boundingBox();
    assert.ok(Math.abs(t.y - l.y) < 2, `line ${LINE} does not read "- ${ADDRESS}"`);
    await assert.doesNotReject(problemsStatus().filter({ hasText: /1\s+0/ }).waitFor(), 'the Problems count is not "1 error, 0 warnings"');
  });

  it('explains the collision on hover, naming k8s-node-1 (hover.png)', async () => {
    const s = await page.locator('.editor-group-container.active .squiggly-error').first().boundingBox();
    await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2);
    const hover = page.locator('.monaco-hover:visible', { hasText: 'k8s-node-1' });
    await hover.first().waitFor();
    const text = await hover.first().innerText();
    assert.match(text, /externalip-node/, text);
    // VS Code shows the diagnostic above our hover, in the same widget: the hover must not say the message again,
    // and both must fit the widget without a scrollbar (at 1366x768 its height is capped at 250 px).
    const message = '192.168.0.11 is the InternalIP of node k8s-node-1: in IPVS mode kube-proxy binds it to kube-ipvs0 on every node, which cuts k8s-node-1 off the cluster.';
    const widget = await hover.first().evaluate((el) => ({
      height: el.getBoundingClientRect().height,
      bottom: el.getBoundingClientRect().bottom,
      rows: [...el.querySelectorAll('.hover-row')].map((r) => r.innerText.replace(/\s+/g, ' ').trim()),
      overflowing: [...el.querySelectorAll('.monaco-scrollable-element, .monaco-hover-content')].filter((x) => x.scrollHeight > x.clientHeight + 1 || x.scrollWidth > x.clientWidth + 1).map((x) => `${x.className}: ${x.scrollHeight}/${x.clientHeight} x ${x.scrollWidth}/${x.clientWidth}`),
    }));
    log(`hover widget: ${Math.round(widget.height)} px tall, ${widget.rows.length} rows`);
    assert.deepEqual(widget.overflowing, [], `the hover scrolls: ${JSON.stringify(widget)}`);
    assert.ok(widget.bottom <= 768, `the hover ends below the window: ${JSON.stringify(widget)}`);
    const withMessage = widget.rows.filter((r) => r.includes(message));
    assert.equal(withMessage.length, 1, `the diagnostic message should be shown once, above the hover: ${JSON.stringify(widget.rows)}`);
    const ours = widget.rows.find((r) => r.includes('collides with the cluster itself'));
    assert.ok(ours, JSON.stringify(widget.rows));
    assert.ok(!ours.includes(message) && !ours.includes('kube-ipvs0'), `our hover repeats the diagnostic: ${ours}`);
    assert.match(ours, /Fix: remove it, or use 192\.168\.0\.15/, ours);
    await screenshotAround('hover.png', [await hover.first().boundingBox(), await lineBox(LINE)]);
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
    await hover.first().waitFor({ state: 'hidden' });
  });

  it('opens the quick fix menu with Ctrl+. (quickfix.png)', async () => {
    // Put the cursor on the address with the keyboard: Go to Line/Column.
    await page.locator('.editor-group-container.active .monaco-editor textarea').focus();
    await page.keyboard.press('Control+G');
    await page.keyboard.type(`${LINE}:5`);
    await page.keyboard.press('Enter');
    await page.locator('[id="status.editor.selection"]', { hasText: `Ln ${LINE}, Col 5` }).waitFor();
    await page.keyboard.press('Control+Period');
    const menu = page.locator('.action-widget');
    await menu.waitFor();
    const items = await menu.locator('.monaco-list-row.action').allInnerTexts();
    assert.deepEqual(
      items.map((s) => s.trim()),
      [`Remove this address (${ADDRESS})`, 'Use a free address from the pool: 192.168.0.15', 'Disable externalip-node for this line'],
    );
    await menu.locator('.monaco-list-row.action.focused', { hasText: 'Remove this address' }).waitFor();
    await screenshotAround('quickfix.png', [await menu.boundingBox(), await lineBox(LINE - 3)]);
  });

  it('applies "Remove this address" from the keyboard and the Problems count drops to zero', async () => {
    // The preferred fix is focused first; Enter applies it.
    await page.keyboard.press('Enter');
    await page.locator('.action-widget').waitFor({ state: 'hidden' });
    await page.locator('.editor-group-container.active .squiggly-error').first().waitFor({ state: 'detached' });
    assert.equal(await page.locator('.view-lines .view-line', { hasText: ADDRESS }).count(), 0, `${ADDRESS} is still in the editor`);
    await problemsStatus().filter({ hasText: /^\D*0\D+0\D*$/ }).waitFor();
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel-container', { hasText: 'No problems have been detected in the workspace.' }).waitFor();
  });

  /** Screenshot of the editor area around the given boxes (plus a margin), full editor width. */
  async function screenshotAround(name, boxes) {
    const editor = await page.locator('.part.editor').boundingBox();
    const top = Math.max(editor.y, Math.min(...boxes.map((b) => b.y)) - 24);
    const bottom = Math.min(editor.y + editor.height, Math.max(...boxes.map((b) => b.y + b.height)) + 24);
    const right = Math.min(editor.x + editor.width, Math.max(...boxes.map((b) => b.x + b.width)) + 40);
    const file = join(shots, name);
    await page.screenshot({ path: file, animations: 'disabled', caret: 'hide', clip: { x: editor.x, y: top, width: right - editor.x, height: bottom - top } });
    log(`screenshot ${file}`);
  }
});
