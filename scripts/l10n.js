#!/usr/bin/env node
// @ts-check
// `npm run l10n`: writes l10n/bundle.l10n.json, the English bundle VS Code's translators start from:
// every message of an `l10n.t('…', …)` call in src/ (the first argument, a string literal), each
// mapped to itself. `--check` writes nothing and fails when the committed bundle is not what the
// code asks for now (npm run lint). A message must be a literal: one built at run time could not be
// found here, so the check refuses it.
'use strict';

const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const root = path.resolve(__dirname, '..');
const BUNDLE = path.join(root, 'l10n', 'bundle.l10n.json');

function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The messages of a file's l10n.t calls, and the places where the message is not a literal. */
function messagesOf(file) {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const messages = [];
  const problems = [];
  const visit = (node) => {
    if (ts.isCallExpression(node) && node.expression.getText(source) === 'l10n.t') {
      const first = node.arguments[0];
      if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) messages.push(first.text);
      else {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        problems.push(`${path.relative(root, file)}:${line + 1}: l10n.t needs a literal message`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { messages, problems };
}

function extract() {
  const messages = new Set();
  const problems = [];
  for (const file of sourceFiles(path.join(root, 'src'))) {
    const found = messagesOf(file);
    found.messages.forEach((m) => messages.add(m));
    problems.push(...found.problems);
  }
  const bundle = Object.fromEntries([...messages].sort().map((m) => [m, m]));
  return { bundle, problems };
}

function main() {
  const { bundle, problems } = extract();
  const text = `${JSON.stringify(bundle, null, 2)}\n`;
  if (process.argv.includes('--check')) {
    const committed = fs.existsSync(BUNDLE) ? fs.readFileSync(BUNDLE, 'utf8') : '';
    if (committed !== text) problems.push(`l10n/bundle.l10n.json is not what the code asks for now (${Object.keys(bundle).length} messages): run npm run l10n`);
  } else {
    fs.mkdirSync(path.dirname(BUNDLE), { recursive: true });
    fs.writeFileSync(BUNDLE, text);
    console.log(`l10n: ${Object.keys(bundle).length} messages in ${path.relative(root, BUNDLE)}`);
  }
  for (const problem of problems) console.error(problem);
  return problems.length ? 1 : 0;
}

module.exports = { extract };
if (require.main === module) process.exitCode = main();
