// The chooser of mod_mandaat in a real browser (Debian's chromium through playwright-core),
// run by tests/integration/test_browser.sh against its private httpd:
//   node chooser.test.mjs --base http://127.0.0.1:PORT --chromium /usr/bin/chromium [--shots DIR]
// People log in upstream with HTTP Basic (user = normalised INSZ, password "pw"). Every scenario
// runs with the page's nonce CSP enforced; only the accessibility runs use bypassCSP, in
// contexts of their own, because axe-core has to be injected as a script without the nonce.
// Prints one "ok - ..." / "not ok - ..." line per check; exits 1 if any failed.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_VERSION = require('axe-core/package.json').version;

const args = {};
for (let i = 2; i + 1 < process.argv.length; i += 2)
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
if (!args.base || !args.chromium) {
  console.error('usage: chooser.test.mjs --base URL --chromium PATH [--shots DIR]');
  process.exit(2);
}

const JAN = '72041512394', PIET = '90010134567', SOFIE = '95061228732', BAD = '12345678901';
const BAKKERIJ = '0412345614', VASTGOED = '0523456738';
const TITLE = 'Voor wie handelt u?';

let passed = 0;
const failed = [];
function check(cond, what, detail) {
  if (cond) {
    passed++;
    console.log('ok - ' + what);
  } else {
    failed.push(what);
    console.log('not ok - ' + what);
    if (detail !== undefined) {
      const text = typeof detail === 'string' ? detail : JSON.stringify(detail, null, 1);
      for (const line of String(text).slice(0, 3000).split('\n')) console.log('#   ' + line);
    }
  }
  return cond;
}

// A whole run must end well inside the 2 minutes of its make check slot, even if a page hangs.
const guard = setTimeout(() => {
  console.log('not ok - the browser test ends within 100 s');
  process.exit(1);
}, 100000);
guard.unref();

const launched = Date.now();
const browser = await chromium.launch({
  executablePath: args.chromium,
  headless: true,
  // Chromium's sandbox needs an unprivileged user; CI runs as root.
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
});
console.log(`# chromium ${browser.version()} started in ${((Date.now() - launched) / 1000).toFixed(1)} s`);

// A browser profile of its own for one person: Dutch, the upstream login as Basic credentials.
async function context(user, extra = {}) {
  const ctx = await browser.newContext({
    locale: 'nl-BE',
    httpCredentials: user ? { username: user, password: 'pw' } : undefined,
    ...extra,
  });
  ctx.setDefaultTimeout(15000);
  return ctx;
}

// Everything the browser complains about: console errors and warnings, uncaught exceptions,
// and CSP violations (reported by the page itself through an init script, which the browser
// runs outside the page's CSP).
async function watched(ctx) {
  const page = await ctx.newPage();
  page.problems = [];
  page.on('console', (m) => {
    // The test server has no /favicon.ico, which the browser asks for on its own.
    if (/\/favicon\.ico$/.test(m.location().url || '')) return;
    if (m.type() === 'error' || m.type() === 'warning')
      page.problems.push(`console.${m.type()}: ${m.text()} (${m.location().url || page.url()})`);
  });
  page.on('pageerror', (e) => page.problems.push('pageerror: ' + e.message));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));
  });
  return page;
}

async function shot(page, name) {
  if (!args.shots) return;
  mkdirSync(args.shots, { recursive: true });
  await page.screenshot({ path: join(args.shots, name + '.png'), fullPage: true });
}

const choices = (page) => page.locator('button[name="choice"]:visible');
const choiceTexts = async (page) =>
  (await choices(page).allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());

// The echo backend's view of the request that reached /app/: its headers by lower-case name.
function isApp(resp) {
  const u = new URL(resp.url());
  return u.pathname === '/app/' && resp.request().method() === 'GET';
}
async function backendHeaders(resp) {
  try {
    return Object.fromEntries((await resp.json()).headers.map(([k, v]) => [k.toLowerCase(), v]));
  } catch (e) {
    return { error: String(e), status: resp.status() };
  }
}
async function act(page, action) {
  const [resp] = await Promise.all([page.waitForResponse(isApp), action()]);
  await page.waitForURL((u) => u.pathname === '/app/');
  return backendHeaders(resp);
}

// The INSZ of the Nth client test_browser.sh adds (Klant Aerts, Baert, Coppens, ...): born on
// 1970-01-0N, serial 10N.
function klant(n) {
  const base = 700100000 + n * 1000 + 100 + n;
  return String(base) + String(97 - (base % 97)).padStart(2, '0');
}

// ---- the person's way through the chooser, CSP enforced ---------------------------------

async function janByKeyboardThenSwitch() {
  const ctx = await context(JAN);
  const page = await watched(ctx);
  const resp = await page.goto(args.base + '/app/');
  check(resp.status() === 200 && new URL(page.url()).pathname === '/mandaat/choose',
    'Jan opening /app/ lands on the chooser', [resp.status(), page.url()]);
  const csp = resp.headers()['content-security-policy'] || '';
  check(/script-src[^;]*'nonce-/.test(csp) && !/unsafe-inline/.test(csp),
    'the chooser is served with a nonce CSP and no unsafe-inline', csp);
  check(await page.title() === TITLE + ' – WSE-loket', 'the chooser has its title', await page.title());
  check(await page.locator('h1').innerText() === TITLE, 'the chooser has its heading');
  const texts = await choiceTexts(page);
  check(texts.length === 3 && texts.some((t) => t.includes('Bakkerij Janssens'))
    && texts.some((t) => t.includes('Janssens Vastgoed')) && texts.some((t) => /eigen naam/.test(t)),
    'the chooser lists his two companies and his own name', texts);
  check(await page.locator('#q-live').isVisible(),
    "the page's own script runs under the CSP (it shows the live-search hint)");
  await shot(page, 'chooser-jan');

  // The first Tab shows the skip link; Enter on it moves the focus to the main content.
  await page.keyboard.press('Tab');
  const skip = await page.evaluate(() => {
    const el = document.activeElement, r = el.getBoundingClientRect();
    return { cls: el.className, top: r.top, bottom: r.bottom };
  });
  check(skip.cls === 'skip' && skip.top >= 0 && skip.bottom > skip.top,
    'the first Tab focuses a visible skip link', skip);
  await page.keyboard.press('Enter');
  check(await page.evaluate(() => document.activeElement.id) === 'main',
    'Enter on the skip link moves the focus to the main content');

  // Typing filters the rows of this page in place: every row is on it, nothing is sent.
  const input = page.locator('#q');
  await input.focus();
  await page.keyboard.type('xyz');
  check(await page.locator('#nomatch').isVisible() && (await choiceTexts(page)).length === 0,
    'a search without match hides every row and says so');
  await input.fill('');
  await page.keyboard.type('BE 0523.456');
  const byNumber = await choiceTexts(page);
  check(byNumber.length === 1 && byNumber[0].includes('Janssens Vastgoed'),
    'an enterprise number typed as people write it filters too', byNumber);
  await input.fill('');
  await page.keyboard.type('vastg');
  await page.waitForTimeout(900); // longer than the script's pause before it would submit
  const filtered = await choiceTexts(page);
  check(filtered.length === 1 && filtered[0].includes('Janssens Vastgoed'),
    'typing "vastg" leaves only Janssens Vastgoed', filtered);
  check(new URL(page.url()).search === '', 'a complete list is filtered without asking the server',
    page.url());
  check((await page.locator('#summary').innerText()).includes('1 van 3'),
    'the status line says how many rows match', await page.locator('#summary').innerText());
  check(await page.locator('section.group:visible').count() === 1,
    'groups without a visible row are hidden with them');
  await shot(page, 'chooser-jan-filtered');

  // Keyboard only: Tab from the search box to the company's button, Enter.
  let focused = '';
  for (let i = 0; i < 6 && !focused.includes('Vastgoed'); i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() =>
      document.activeElement && document.activeElement.name === 'choice'
        ? document.activeElement.innerText : '');
  }
  check(focused.includes('Janssens Vastgoed'), 'Tab reaches the Janssens Vastgoed button', focused);
  const ring = await page.evaluate(() => {
    const el = document.activeElement, s = getComputedStyle(el);
    return { visible: el.matches(':focus-visible'), style: s.outlineStyle, width: s.outlineWidth };
  });
  check(ring.visible && ring.style !== 'none' && parseFloat(ring.width) >= 2,
    'the focused button shows a focus ring', ring);
  let h = await act(page, () => page.keyboard.press('Enter'));
  check(h['mandaat-party'] === VASTGOED && h['mandaat-basis'] === 'kbo' && h['mandaat-actor'] === JAN,
    'Enter on the button chooses Janssens Vastgoed: the app sees it', h);

  // Switch without a new login, then choose the other company with the mouse.
  await page.goto(args.base + '/mandaat/switch?return_to=/app/');
  check(new URL(page.url()).pathname === '/mandaat/choose' && (await choiceTexts(page)).length === 3,
    'switch shows the chooser again with every row', page.url());
  h = await act(page, () => choices(page).filter({ hasText: 'Bakkerij Janssens' }).click());
  check(h['mandaat-party'] === BAKKERIJ, 'a click on Bakkerij Janssens switches the app to it', h);

  check(page.problems.length === 0,
    'no console error, script error or CSP violation on the chooser', page.problems);

  // The CSP really is enforced here: a script without the nonce must not run.
  await page.goto(args.base + '/mandaat/switch?return_to=/app/');
  const ran = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true;';
    document.body.appendChild(s);
    await new Promise((r) => setTimeout(r, 100));
    return window.__injected === true;
  });
  check(!ran && page.problems.some((p) => p.includes('CSP violation')),
    'an injected script without the nonce is blocked and reported', page.problems);
  await ctx.close();
}

// More rows than a page (MandaatChooserPageSize 5): typing makes the script ask the server.
async function pietSearchesTheServer() {
  const ctx = await context(PIET);
  const page = await watched(ctx);
  await page.goto(args.base + '/app/');
  const summary = await page.locator('#summary').innerText();
  check(/Pagina 1 van [2-9]/.test(summary) && await page.locator('nav.pager').isVisible(),
    "the accountant's chooser has pages", summary);
  await shot(page, 'chooser-piet');
  const firstPage = await choiceTexts(page);
  check(firstPage.length === 5 && !firstPage.some((t) => t.includes('Coppens')),
    'the first page shows five rows, Klant Coppens not among them', firstPage);
  await page.locator('#q').focus();
  await Promise.all([
    page.waitForURL((u) => u.searchParams.get('q') === 'coppens'),
    page.keyboard.type('coppens', { delay: 30 }),
  ]);
  const rows = await choiceTexts(page);
  check(rows.length === 1 && rows[0].includes('Klant Coppens'),
    'after a pause in typing the script asks the server, which finds Klant Coppens',
    [page.url(), rows]);
  const back = await page.evaluate(() => {
    const el = document.activeElement;
    return { id: el && el.id, value: el && el.value, caret: el && el.selectionStart };
  });
  check(back.id === 'q' && back.value === 'coppens' && back.caret === 7,
    'back from the server, the search box has the focus, the text and the caret at its end', back);

  // Two words: the form sends "klant+coppens" (HTML form encoding, + for a space).
  await page.locator('#q').fill('');
  await Promise.all([
    page.waitForURL((u) => u.searchParams.get('q') === 'klant coppens'),
    page.keyboard.type('klant coppens', { delay: 30 }),
  ]);
  const two = await choiceTexts(page);
  check(two.length === 1 && two[0].includes('Klant Coppens')
    && await page.locator('#q').inputValue() === 'klant coppens',
    'a search of two words submitted by the form finds Klant Coppens', two);
  if (two.length !== 1) {
    await page.locator('#q').fill('coppens');
    await Promise.all([page.waitForURL((u) => u.searchParams.get('q') === 'coppens'),
      page.locator('#q').press('Enter')]);
  }
  const h = await act(page, () => choices(page).first().click());
  check(h['mandaat-party'] === klant(3), 'choosing the found client reaches the app', h);
  check(page.problems.length === 0, 'no console error or CSP violation on a searched chooser',
    page.problems);
  await ctx.close();
}

// Without JavaScript: the search form goes to the server, pager links work, choosing works.
async function withoutJavaScript() {
  const ctx = await context(JAN, { javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(args.base + '/app/');
  check(await page.locator('h1').innerText() === TITLE, 'without JavaScript the chooser shows');
  check(!(await page.locator('#q-live').isVisible()),
    'without JavaScript the page does not promise a live search');
  await page.locator('#q').fill('vastgoed');
  await Promise.all([
    page.waitForURL((u) => u.searchParams.get('q') === 'vastgoed'),
    page.locator('#q').press('Enter'),
  ]);
  const rows = await choiceTexts(page);
  check(rows.length === 1 && rows[0].includes('Janssens Vastgoed'),
    'without JavaScript Enter in the search box asks the server, which narrows the list', rows);
  let h = await act(page, () => choices(page).first().click());
  check(h['mandaat-party'] === VASTGOED, 'without JavaScript a click chooses', h);
  await ctx.close();

  const ctx2 = await context(PIET, { javaScriptEnabled: false });
  const p2 = await ctx2.newPage();
  await p2.goto(args.base + '/app/');
  const first = await choiceTexts(p2);
  await Promise.all([
    p2.waitForURL((u) => u.searchParams.get('page') === '2'),
    p2.locator('nav.pager a[rel="next"]').click(),
  ]);
  const second = await choiceTexts(p2);
  check((await p2.locator('#summary').innerText()).includes('Pagina 2 van')
    && second.length > 0 && !second.some((t) => first.includes(t)),
    'without JavaScript the pager shows the next rows', { first, second });
  check(await p2.locator('nav.pager a[aria-current="page"]').innerText() === '2',
    'the pager marks the current page');
  h = await act(p2, () => choices(p2).first().click());
  check(h['mandaat-actor'] === PIET && !!h['mandaat-party'], 'a row of page 2 can be chosen', h);
  await ctx2.close();
}

// ---- accessibility: axe-core in contexts that let its script in --------------------------

// axe-core's default rules (WCAG 2.0-2.2 A and AA, best practices) and target-size (WCAG 2.2
// 2.5.8, AA, off by default in axe). What axe cannot decide ("incomplete") is printed as a note.
async function axe(page, what) {
  await page.addScriptTag({ content: AXE });
  const r = await page.evaluate(() => window.axe.run(document, {
    resultTypes: ['violations', 'incomplete'],
    rules: { 'target-size': { enabled: true } },
  }));
  const brief = (x) => ({
    id: x.id, impact: x.impact, help: x.help,
    nodes: x.nodes.map((n) => n.target.join(' ') + ': ' + n.failureSummary),
  });
  check(r.violations.length === 0, `axe ${AXE_VERSION}: no violation on ${what}`,
    r.violations.map(brief));
  for (const x of r.incomplete)
    console.log(`# axe needs review on ${what}: ${x.id} (${x.nodes.length}) ${x.help}`);
  const text = await page.evaluate(() => document.title + '\n' + document.body.innerText);
  check(!/\{\d\}|\{\{/.test(text), `no unfilled placeholder in the text of ${what}`, text);
  const banner = await page.evaluate(() => {
    const h = document.querySelector('header');
    return !h || getComputedStyle(h).display === 'none' || h.innerText.trim() !== '';
  });
  check(banner, `the banner of ${what} is hidden or has content`);
}

// WCAG 1.4.10: at 320 CSS pixels wide nothing scrolls sideways.
async function reflows(page, what) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 640 });
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  check(w <= 320, `${what} reflows at 320 px without scrolling sideways`, w);
  await page.setViewportSize(size);
}

async function accessibility() {
  const open = async (user) => (await context(user, { bypassCSP: true })).newPage();

  let page = await open(JAN);
  await page.goto(args.base + '/app/');
  await axe(page, "Jan's chooser");
  await reflows(page, 'the chooser');
  await page.locator('#q').fill('xyz'); // the page's script filters on the input event
  check(await page.locator('#nomatch').isVisible(), 'the axe context filters like the real one');
  await axe(page, 'the chooser filtered to no match');
  await page.goto(args.base + '/mandaat/why');
  check(await page.title() !== '' && await page.locator('h1').count() === 1, 'the why page opens');
  await axe(page, "Jan's why page (nothing missing)");
  await page.goto(args.base + '/mandaat/choose?q=x');
  // Jan's transaction is still open: this is the server's search, no match
  await axe(page, 'a server search without match');
  await page.context().close();

  page = await open(PIET);
  await page.goto(args.base + '/app/');
  await axe(page, "the accountant's paged chooser (pager, via, expiry)");
  await page.goto(args.base + '/mandaat/choose?q=klant&page=2');
  await axe(page, 'page 2 of a server search');
  await page.context().close();

  page = await open(SOFIE);
  await page.goto(args.base + '/always/');
  await page.goto(args.base + '/mandaat/why');
  check((await page.locator('main').innerText()).includes('SSM Mandaatuitvoerder'),
    "Sofie's why page lists what is missing");
  await axe(page, "Sofie's why page (missing rights)");
  await reflows(page, 'the why page');
  await shot(page, 'why-sofie');
  await page.context().close();

  page = await open(JAN);
  let resp = await page.goto(args.base + '/mandaat/choose');
  check(resp.status() === 400, 'the chooser without a transaction is an error page', resp.status());
  await axe(page, 'the error page for a missing transaction (400)');
  await reflows(page, 'the error page');
  await shot(page, 'error-400');
  await page.context().close();

  const fr = await context(JAN, { locale: 'fr-BE' });
  page = await fr.newPage();
  await page.goto(args.base + '/app/');
  check(await page.getAttribute('html', 'lang') === 'fr' && await page.title() ===
    'Pour qui agissez-vous ? – Guichet WSE',
    'a French browser gets the chooser in French, marked lang="fr"',
    [await page.getAttribute('html', 'lang'), await page.title()]);
  await fr.close();

  page = await open(BAD);
  resp = await page.goto(args.base + '/app/');
  check(resp.status() === 403, 'an invalid INSZ from upstream is an error page', resp.status());
  await axe(page, 'the error page for an invalid INSZ (403)');
  await page.context().close();
}

for (const t of [janByKeyboardThenSwitch, pietSearchesTheServer, withoutJavaScript, accessibility]) {
  const start = Date.now();
  try {
    await t();
  } catch (e) {
    check(false, `${t.name} ran without an exception`, e.stack || String(e));
  }
  console.log(`# ${t.name}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
}
await browser.close();
console.log(`# browser: ${passed} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
