/** @type {import('jest').Config} */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
// No unit or integration test touches the host's /run/nmteam: each file gets a scratch NMTEAM_STATE_DIR,
// and fails if /run/nmteam changed while it ran (test/support/state-guard.ts).
const stateGuard = ['<rootDir>/test/support/state-guard.ts'];
module.exports = {
  // A worker that holds more than this after a test file is replaced by a fresh one. Each test file loads
  // its own copy of every module, and a worker's heap grew by 4-5 MB a file (60 → 200 MB over the unit
  // project). Setting it also makes jest run the tests in a worker on a 2-core machine, not in its own
  // process, so a crashing test file fails alone instead of taking the whole run and its results with it.
  // (The crash that prompted this, V8's "RegExpCompiler Allocation failed", came from parsing absurdly
  // nested YAML to stack exhaustion; src/spec/depth.ts now refuses such input first.)
  workerIdleMemoryLimit: '150MB',
  // Jest reads testTimeout only here, not per project (a project's own testTimeout was silently ignored, and the
  // sandbox tests ran with the 5 s default: a busy CI machine timed them out). One bound for every test; the VM
  // tests set their own, longer ones on their hooks.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      setupFilesAfterEnv: stateGuard,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFilesAfterEnv: stateGuard,
    },
    {
      // The same integration suite against Debian 13's NetworkManager 1.52 (docs/versions.md): NMTEAM_NM=trixie in
      // every test file; the userland is made once, or found in its cache, before any worker starts.
      displayName: 'integration-nm152',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/nm152.ts'],
      setupFilesAfterEnv: stateGuard,
      globalSetup: '<rootDir>/test/support/nm152-setup.ts',
    },
    {
      // The Ansible collection (ansible/): real ansible-playbook runs against 8 sandbox hosts (`npm run test:fleet`).
      displayName: 'fleet',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/fleet/**/*.test.ts'],
      setupFilesAfterEnv: stateGuard,
    },
    {
      // The real team driver in a QEMU VM (docs/testing.md, "Real teams in a VM"): `npm run test:vm`. Each file boots one VM.
      displayName: 'vm',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/vm/**/*.test.ts'],
    },
    {
      // Every VM scenario on Debian 13's kernel and NetworkManager 1.52 (docs/versions.md): `npm run test:matrix`.
      displayName: 'vm-nm152',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/vm/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/nm152.ts'],
      globalSetup: '<rootDir>/test/support/nm152-setup.ts',
    },
  ],
};
