// The registry's web pages as a person uses them, in Debian's headless Chromium:
// sign in, search, open a hit and see its page image load, switch the interface
// language, and verify an uploaded scan.
//
//   node ui.mjs BASE_URL TOKEN SCAN_FILE WORD
import { chromium } from 'playwright-core';

const [base, token, scan, word] = process.argv.slice(2);
const check = (condition, what) => {
  if (!condition) throw new Error(`not as expected: ${what}`);
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

  await page.locator('li.hit a').first().click();
  const image = page.locator('section.sheet img').first();
  await image.scrollIntoViewIfNeeded();
  await page.waitForFunction(
    () => { const img = document.querySelector('section.sheet img'); return img && img.complete && img.naturalWidth > 0; },
    null,
    { timeout: 15000 },
  );
  const width = await image.evaluate((img) => img.naturalWidth);
  check(width > 1000, `page image width ${width}`);
  check((await page.locator('section.sheet pre').first().innerText()).length > 50, 'page text beside it');
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
  console.log(`browser: ${hits} hit(s), image ${width}px wide, verify said "${said}"`);
} finally {
  await browser.close();
}
