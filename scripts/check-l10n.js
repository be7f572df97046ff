#!/usr/bin/env node
// @ts-check
// Part of `npm run lint`: localization is complete and current.
//   - l10n/bundle.l10n.json is what `npm run l10n` extracts from src/ now (every l10n.t message,
//     each a literal);
//   - every %key% of package.json is in package.nls.json, and every key there is used;
//   - a translation (l10n/bundle.l10n.<locale>.json, package.nls.<locale>.json) only has keys of the
//     English ones, with the same {0} placeholders.
// Bare strings where the user sees them are ESLint's to catch (eslint.config.mjs, "Localization").
'use strict';

const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const problems = [];
const readJson = (file) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
const placeholders = (text) =>
  [...String(text).matchAll(/\{(\d+)\}/g)]
    .map((m) => m[1])
    .sort()
    .join(',');

function checkBundle() {
  const { bundle: fresh, problems: literal } = require('./l10n').extract();
  problems.push(...literal);
  const committed = readJson('l10n/bundle.l10n.json');
  const missing = Object.keys(fresh).filter((k) => !(k in committed));
  const stale = Object.keys(committed).filter((k) => !(k in fresh));
  if (missing.length || stale.length) {
    problems.push(`l10n/bundle.l10n.json is out of date (${missing.length} new, ${stale.length} gone strings): run npm run l10n`);
  }
  return fresh;
}

function checkManifest() {
  const manifest = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
  const nls = readJson('package.nls.json');
  const used = new Set([...manifest.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]));
  for (const key of used) if (!(key in nls)) problems.push(`package.json uses %${key}%, which package.nls.json does not have`);
  for (const key of Object.keys(nls)) if (!used.has(key)) problems.push(`package.nls.json has ${key}, which package.json does not use`);
  return nls;
}

function checkTranslations(english, prefix, dir) {
  for (const name of fs.readdirSync(path.join(root, dir))) {
    const match = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.([\\w-]+)\\.json$`).exec(name);
    if (!match) continue;
    const translated = readJson(path.join(dir, name));
    for (const [key, value] of Object.entries(translated)) {
      if (!(key in english)) problems.push(`${path.join(dir, name)}: ${JSON.stringify(key).slice(0, 80)} is not an English string`);
      else if (placeholders(english[key]) !== placeholders(typeof value === 'string' ? value : value.message)) {
        problems.push(`${path.join(dir, name)}: ${JSON.stringify(key).slice(0, 80)} has other placeholders`);
      }
    }
  }
}

const bundle = checkBundle();
const nls = checkManifest();
checkTranslations(bundle, 'bundle.l10n', 'l10n');
checkTranslations(nls, 'package.nls', '.');
for (const problem of problems) console.error(problem);
if (problems.length) {
  console.error(`check-l10n: ${problems.length} problem(s)`);
  process.exitCode = 1;
} else {
  console.log(`check-l10n: ${Object.keys(bundle).length} runtime strings and ${Object.keys(nls).length} manifest strings, all extracted and current`);
}
