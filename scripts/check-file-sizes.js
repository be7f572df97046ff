#!/usr/bin/env node
// @ts-check
// @ts-check
// npm run lint: a source file of src/ or native/ over 600 lines must say in its header (its first
// 20 lines) why it is that long ("… lines on purpose: …"): a long file is a choice, never drift.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');

const LIMIT = 600;
const files = execFileSync('git', ['ls-files', 'src/**/*.ts', 'src/*.ts', 'native/*.c', 'native/*.h'], { encoding: 'utf8' }).split('\n').filter(Boolean);
const unexplained = files.filter((file) => {
  if (!fs.existsSync(file)) return false;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const header = lines
    .slice(0, 20)
    .join(' ')
    .replace(/\/\/|\/\*|\*/g, ' ')
    .replace(/\s+/g, ' ');
  return lines.length > LIMIT && !/\d+ lines on purpose/i.test(header);
});
for (const file of unexplained) console.error(`${file}: over ${LIMIT} lines, and its header does not say why ("... lines on purpose: ...")`);
console.log(`check-file-sizes: ${files.length} files, ${unexplained.length} over ${LIMIT} lines without a reason`);
process.exitCode = unexplained.length > 0 ? 1 : 0;
