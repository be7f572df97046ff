#!/usr/bin/env node
// Compiles the tests (and what they import from src/) into out/, after emptying out/: the suites
// run every out/test/**/*.test.js, so a test file moved or removed must not go on running from the
// copy an earlier compile left there.
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
fs.rmSync(path.join(root, 'out'), { recursive: true, force: true });
const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
const result = childProcess.spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.test.json')], { cwd: root, stdio: 'inherit' });
process.exitCode = result.status ?? 1;
