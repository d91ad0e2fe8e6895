// Tests are TypeScript ESM; swc strips types (tsc does the type checking separately).
// Under ESM the `jest` global is absent: timeouts are set per tier here, not with jest.setTimeout.
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform,
  testEnvironment: 'node',
};
/** @type {import('jest').Config} */
export default {
  projects: [
    { ...common, displayName: 'unit', testTimeout: 10_000, testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'embedded', testTimeout: 60_000, testMatch: ['<rootDir>/test/embedded/**/*.test.ts'] },
    { ...common, displayName: 'integration', testTimeout: 180_000, testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testTimeout: 180_000, testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
