// The registry's web pages as a person uses them, in Debian's headless Chromium:
// sign in, search, open a hit and zoom into its sheet with the word found drawn on it,
// switch the interface language, and verify an uploaded scan.
//
//   node ui.mjs BASE_URL TOKEN SCAN_FILE WORD
import { chromium } from 'playwright-core';

const [base, token, scan, word] = process.argv.slice(2);
const check = (condition, what) => {
  if (!condition) throw new Error(`not as expected: ${what}`);
};

// Waits up to 15 s for `condition` (of what the page has fetched) to hold.
const until = async (condition) => {
  for (const deadline = Date.now() + 15000; !condition() && Date.now() < deadline;) {
    await new Promise((done) => setTimeout(done, 200));
  }
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  await page.goto(`${base}/ui/search?lang=en`);
  // No token yet: the sign-in page.
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
  // Signed in, in the language the sign-in page was shown in.
  await page.waitForURL('**/ui/search?lang=en');

  await page.goto(`${base}/ui/search?lang=en`);
  await page.fill('input[name=q]', word);
  await page.press('input[name=q]', 'Enter');
  await page.waitForSelector('li.hit');
  const hits = await page.locator('li.hit').count();
  check(hits >= 1, `hits for ${word}: ${hits}`);
  check(await page.locator('li.hit mark').count() >= 1, 'a highlighted word in a snippet');
  check(await page.locator('ul.facet[data-facet=fond] li').count() >= 1, 'fond facet');

  // The hit opens its record with the query: the sheet in the deep-zoom viewer (tiles
  // through the IIIF Image API), the word found drawn on the scan.
  const tiles = [];
  page.on('response', (answer) => {
    if (/\/iiif\/3\/[0-9a-f]+\/\d+\/[^/]+\/[^/]+\/0\/default\.jpg$/.test(answer.url())
      && answer.status() === 200) tiles.push(answer.url());
  });
  await page.locator('li.hit a.title').first().click();
  check(new URL(page.url()).searchParams.get('q') === word, `the record page keeps the query: ${page.url()}`);
  await page.waitForSelector('.viewer .openseadragon-canvas', { timeout: 15000 });
  await page.waitForSelector('.viewer .hit-box', { state: 'attached', timeout: 15000 });
  const marked = await page.locator('.viewer .hit-box').count();
  check(marked >= 1, `hits drawn on the scan: ${marked}`);
  check(await page.locator('.found:not([hidden])').count() >= 1, 'the sheet says how many were found');
  const width = await page.evaluate(() =>
    fetch(document.querySelector('.viewer').dataset.info).then((r) => r.json()).then((info) => info.width));
  check(width > 1000, `sheet width ${width}`);
  await until(() => tiles.length >= 1);
  const before = tiles.length;
  check(before >= 1, 'tiles loaded');
  // Zooming in asks for tiles of a region of the sheet, not the whole.
  const sheet = await page.locator('.viewer').first().getAttribute('data-sheet');
  for (let i = 0; i < 4; i++) await page.click(`#zoom-in-${sheet}`);
  const zoomed = () => tiles.slice(before).filter((url) => !/\/full\//.test(url));
  await until(() => zoomed().length >= 1);
  const regions = zoomed();
  check(regions.length >= 1, `zoomed tiles: ${tiles.slice(before).join(' ')}`);
  check((await page.locator('section.sheet pre').first().innerText()).length > 50, 'page text beside it');
  const recordUrl = page.url();
  const version = await page.locator('p.version').innerText();
  check(/^Version \d+ of \d+ \(current\)/.test(version), `version line: ${version}`);

  for (const [lang, label] of [['tg', 'Ҷустуҷӯ'], ['ru', 'Поиск'], ['en', 'Search']]) {
    await page.goto(`${base}/ui/search?lang=${lang}`);
    const button = await page.locator('form.search button').innerText();
    check(button === label, `${lang} search button says ${button}`);
    check((await page.getAttribute('html', 'lang')) === lang, `${lang} html lang`);
  }

  await page.goto(`${base}/ui/verify?lang=en`);
  await page.setInputFiles('#file', scan);
  await page.waitForFunction(() => document.getElementById('result').textContent.length > 0);
  const said = await page.locator('#result').innerText();
  check(said.startsWith('Unchanged'), `verify says: ${said}`);

  // On a phone the record page is no wider than the screen.
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await phone.context().addCookies(await page.context().cookies());
  await phone.goto(recordUrl);
  await phone.waitForSelector('.viewer .openseadragon-canvas', { timeout: 15000 });
  const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
  check(wide <= 390, `record page at 390 px is ${wide} px wide`);
  // and the search's filters fold away above the hits.
  await phone.goto(`${base}/ui/search?lang=en&q=${encodeURIComponent(word)}`);
  check(!(await phone.locator('details.facets').evaluate((d) => d.open)), 'filters folded on a phone');
  const searchWide = await phone.evaluate(() => document.documentElement.scrollWidth);
  check(searchWide <= 390, `search page at 390 px is ${searchWide} px wide`);
  console.log(`browser: ${hits} hit(s), ${marked} drawn on a ${width}px sheet, ${tiles.length} tiles, verify said "${said}"`);
} finally {
  await browser.close();
}
