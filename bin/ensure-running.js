#!/usr/bin/env node
// CommonJS on purpose (bin/package.json): cron's healthy check then never starts the ESM loader.
require('../dist/fast.cjs');
