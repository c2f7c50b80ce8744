// Screenshots of every web page, as a person sees them, in each interface language at
// a desktop and a phone width, for a person to open and read after changing a page.
//
//   node screenshots.mjs BASE_URL TOKEN RECORD_ID FOND INVENTORY OUT_DIR [WORD]
//
// FOND is `ARCHIVE/F-n`, INVENTORY one of its inventories (`O-3`); OUT_DIR receives PAGE-LANG-WIDTH.png; WORD, when given, is the
// record page's query (its hits drawn on the sheet).
import { chromium } from 'playwright-core';

const [base, token, record, fond, inventory, out, word] = process.argv.slice(2);
const pages = {
  search: '/ui/search?q=',
  record: `/ui/records/${record}${word ? `?q=${encodeURIComponent(word)}` : ''}`,
  fonds: '/ui/fonds',
  fond: `/ui/fonds/${fond}`,
  inventory: `/ui/fonds/${fond}/${inventory}`,
  missing: `/ui/fonds/${fond}/O-999`,
  quarantine: '/ui/quarantine',
  verify: '/ui/verify',
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
try {
  for (const width of [1400, 390]) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/ui/login?lang=en`);
    await page.fill('input[name=token]', token);
    await page.click('button[type=submit]');
    await page.waitForURL('**/ui/search?lang=en');
    for (const lang of ['tg', 'ru', 'en']) {
      for (const [name, path] of Object.entries(pages)) {
        const joiner = path.includes('?') ? '&' : '?';
        const answer = await page.goto(`${base}${path}${joiner}lang=${lang}`);
        if (!answer.ok() && name !== 'missing') throw new Error(`${name} ${lang}: HTTP ${answer.status()}`);
        await page.waitForLoadState('networkidle');
        const file = `${out}/${name}-${lang}-${width}.png`;
        await page.screenshot({ path: file, fullPage: name !== 'record' });
        console.log(file);
      }
    }
    await context.close();
  }
} finally {
  await browser.close();
}
