#!/usr/bin/env node
// @ts-check
// Part of `npm run lint`: no file of the repository points outside it. A contributor who clones it
// has nothing else: notes, designs and paths of the machine it was written on must not be cited
// (`/work/...`, `../shared/...`, DESIGN.md and the notes), and every relative link of the Markdown
// files must lead to a file of the repository.
'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const OUTSIDE = [
  /\/work\/(?!main\b)/,
  /\.\.\/shared\/(notes|seeds|DESIGN)/,
  /\bDESIGN\.md\b/,
  /\b(kernel-facts|posix-and-more-facts|offline-vscode-host)\.md\b/,
];
const TEXT = /\.(ts|js|mjs|json|md|c|h|css|sh|yml|yaml|txt)$|^\.ci\/run$|^\.vscodeignore$/;

function main() {
  const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && TEXT.test(f));
  const problems = [];
  for (const file of files) {
    if (file === 'scripts/check-references.js') continue; // it names the patterns
    const full = path.join(root, file);
    if (!fs.existsSync(full)) continue;
    const lines = fs.readFileSync(full, 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const pattern of OUTSIDE) if (pattern.test(line)) problems.push(`${file}:${i + 1}: points outside the repository: ${line.trim().slice(0, 120)}`);
      if (!file.endsWith('.md')) return;
      for (const link of line.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = link[1].replace(/#.*$/, '');
        if (!target || /^[a-z]+:/.test(target)) continue; // a URL, a command: link, an anchor
        if (!fs.existsSync(path.resolve(path.dirname(full), target))) problems.push(`${file}:${i + 1}: links to ${target}, which is not in the repository`);
      }
    });
  }
  for (const problem of problems) console.error(problem);
  if (problems.length) {
    console.error(`check-references: ${problems.length} reference(s) outside the repository`);
    return 1;
  }
  console.log(`check-references: ${files.length} files, nothing points outside the repository`);
  return 0;
}

process.exitCode = main();
