#!/usr/bin/env node
// The `ipc-inspector` command (package.json "bin"): the bundle dist/cli.js (src/cli/main.ts), which
// finds the helper in native/bin as the extension does.
'use strict';
const fs = require('fs');
const path = require('path');

const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write(`ipc-inspector: not built yet (no ${bundle}): run "npm run build" in ${path.dirname(__dirname)}.\n`);
  process.exit(3);
}
require(bundle)
  .main()
  .catch((error) => {
    process.stderr.write(`ipc-inspector: ${error && error.stack ? error.stack : error}\n`);
    process.exit(3);
  });
