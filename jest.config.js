/** @type {import('jest').Config} */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
module.exports = {
  // A worker that holds more than this after a test file is replaced by a fresh one. Each test file loads
  // its own copy of every module, and a worker's heap grew by 4-5 MB a file (60 → 200 MB over the unit
  // project); past about 250 MB, V8 aborted the whole run ("RegExpCompiler Allocation failed - process out
  // of memory", known from V8 issue 10441 and jest#14445). Setting it also makes jest use a worker on a
  // 2-core machine rather than run in its own process, where nothing could be replaced.
  workerIdleMemoryLimit: '150MB',
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      testTimeout: 60000,
    },
    {
      // The real team driver in a QEMU VM (README, "Real teams in a VM"): `npm run test:vm`. Each file boots one VM.
      displayName: 'vm',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/vm/**/*.test.ts'],
      testTimeout: 900000,
    },
  ],
};
