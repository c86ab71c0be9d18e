#!/usr/bin/env node
// Reads jest's --json outputs, one argument per jest run: PROJECTS=FILE, PROJECTS a comma-separated list of the
// jest projects that run ran. Fails when any file of a project's test folder (integration, integration-nm152:
// test/integration; fleet: test/fleet; vm: test/vm; vm-nm152: test/vm) did not run in that run, or ran
// with skipped/pending tests, so a silently skipped suite against the real NetworkManager (either version), the
// Ansible fleet or the real team driver can never pass CI.
// A run that wrote no results (e.g. the NetworkManager 1.52 userland could not be made: jest's globalSetup
// failed, its cause is in the output above) fails too. Prints the plain closing line CI reads.
//   node scripts/check-results.js unit,integration=main.json integration-nm152=nm152.json vm=vm.json
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
/** The folder whose every test file must run in a project (or only the files listed); unit: none file by file. */
const FOLDER = {
  integration: { dir: 'integration' },
  'integration-nm152': { dir: 'integration' },
  fleet: { dir: 'fleet' },
  vm: { dir: 'vm' },
  'vm-nm152': { dir: 'vm' },
};
const problems = [];
const runs = [];
for (const arg of process.argv.slice(2)) {
  const at = arg.indexOf('=');
  const projects = at < 0 ? [] : arg.slice(0, at).split(',');
  const file = at < 0 ? arg : arg.slice(at + 1);
  const label = projects.join(',') || file;
  if (!fs.existsSync(file)) {
    problems.push(`${label}: the jest run wrote no results (it failed before running tests: see its output above)`);
    continue;
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  runs.push(r);
  const byFile = new Map(r.testResults.map((t) => [t.name, t]));
  for (const project of projects) {
    const want = FOLDER[project];
    if (!want) continue;
    const abs = path.join(root, 'test', want.dir);
    const names = fs.readdirSync(abs).filter((n) => n.endsWith('.test.ts') && (!want.only || want.only.includes(n)));
    for (const f of names.map((n) => path.join(abs, n))) {
      const rel = path.relative(root, f);
      const t = byFile.get(f);
      if (!t) {
        problems.push(`${project} suite did not run: ${rel}`);
        continue;
      }
      const skipped = t.assertionResults.filter((a) => a.status !== 'passed' && a.status !== 'failed');
      if (skipped.length) problems.push(`${project}: ${rel}: ${skipped.length} test(s) skipped`);
      if (!t.assertionResults.some((a) => a.status === 'passed')) problems.push(`${project}: ${rel}: no test passed`);
    }
  }
}
const sum = (k) => runs.reduce((n, r) => n + r[k], 0);
const failed = sum('numFailedTests') + runs.reduce((n, r) => n + r.numRuntimeErrorTestSuites, 0);
for (const p of problems) console.error(`check-results: ${p}`);
console.log(
  `${sum('numPassedTests')} passed, ${failed} failed, ${sum('numPendingTests') + sum('numTodoTests')} skipped`,
);
process.exit(problems.length || failed || runs.some((r) => !r.success) ? 1 : 0);
