#!/usr/bin/env node
// @ts-check
// `npm run icon`: renders media/icon.svg to media/icon.png (128x128, the Marketplace icon) with the
// test host's chromium, so no image tool is needed. The PNG is committed; run this after editing the SVG.
'use strict';
const fs = require('fs');
const path = require('path');
const { launchChromium } = require('./test-host/server');

async function main() {
  const root = path.resolve(__dirname, '..');
  const svg = fs.readFileSync(path.join(root, 'media', 'icon.svg'), 'utf8');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
    await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
    await page.locator('svg').screenshot({ path: path.join(root, 'media', 'icon.png'), omitBackground: true });
  } finally {
    await browser.close();
  }
  console.log('wrote media/icon.png');
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
