#!/usr/bin/env node
// Reads jest's --json output. Fails when any integration test file did not run,
// or ran with skipped/pending tests, so a silently skipped real-NetworkManager
// suite can never pass CI. Prints the plain closing line CI reads.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const r = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const root = path.resolve(__dirname, '..');
const problems = [];
const integrationDir = path.join(root, 'test', 'integration');
const expected = fs.readdirSync(integrationDir).filter((f) => f.endsWith('.test.ts')).map((f) => path.join(integrationDir, f));
const byFile = new Map(r.testResults.map((t) => [t.name, t]));
for (const f of expected) {
  const t = byFile.get(f);
  if (!t) problems.push(`integration suite did not run: ${path.relative(root, f)}`);
  else {
    const skipped = t.assertionResults.filter((a) => a.status !== 'passed' && a.status !== 'failed');
    if (skipped.length) problems.push(`${path.relative(root, f)}: ${skipped.length} integration test(s) skipped`);
    if (!t.assertionResults.some((a) => a.status === 'passed')) problems.push(`${path.relative(root, f)}: no integration test passed`);
  }
}
const skipped = r.numPendingTests + r.numTodoTests;
for (const p of problems) console.error(`check-results: ${p}`);
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
process.exit(problems.length || r.numFailedTests || !r.success ? 1 : 0);
