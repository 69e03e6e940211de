#!/usr/bin/env node
'use strict';
// The CLI is TypeScript compiled to dist/ by `npm run build`.
try {
  require('../dist/src/cli/main.js').main(process.argv);
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/main.js')) {
    console.error('ricochet is not built yet: run `npm run build` (npm start and npm test do it for you).');
    process.exit(1);
  }
  throw err;
}
