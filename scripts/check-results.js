#!/usr/bin/env node
// Reads jest's --json outputs. Fails when any integration, fleet or VM test file did
// not run, or ran with skipped/pending tests, so a silently skipped suite against
// the real NetworkManager or the real team driver can never pass CI. Prints the
// plain closing line CI reads.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const runs = process.argv.slice(2).filter((f) => fs.existsSync(f)).map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
const results = runs.flatMap((r) => r.testResults);
const byFile = new Map(results.map((t) => [t.name, t]));
const problems = [];
if (runs.length < process.argv.length - 2) problems.push('a jest run wrote no results');
for (const dir of ['integration', 'fleet', 'vm']) {
  const abs = path.join(root, 'test', dir);
  for (const f of fs.readdirSync(abs).filter((n) => n.endsWith('.test.ts')).map((n) => path.join(abs, n))) {
    const rel = path.relative(root, f);
    const t = byFile.get(f);
    if (!t) {
      problems.push(`${dir} suite did not run: ${rel}`);
      continue;
    }
    const skipped = t.assertionResults.filter((a) => a.status !== 'passed' && a.status !== 'failed');
    if (skipped.length) problems.push(`${rel}: ${skipped.length} test(s) skipped`);
    if (!t.assertionResults.some((a) => a.status === 'passed')) problems.push(`${rel}: no test passed`);
  }
}
const sum = (k) => runs.reduce((n, r) => n + r[k], 0);
const failed = sum('numFailedTests') + runs.reduce((n, r) => n + r.numRuntimeErrorTestSuites, 0);
for (const p of problems) console.error(`check-results: ${p}`);
console.log(`${sum('numPassedTests')} passed, ${failed} failed, ${sum('numPendingTests') + sum('numTodoTests')} skipped`);
process.exit(problems.length || failed || runs.some((r) => !r.success) ? 1 : 0);
