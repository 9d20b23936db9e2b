/** Two projects: `unit` (aws-sdk-client-mock, no network) and `integration` (a real moto_server per file). */
const transform = { '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
const common = {
  transform,
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/support/env.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/support/matchers.ts'],
};
module.exports = {
  // Jest reads testTimeout only at the top level: integration hooks start moto and seed it.
  testTimeout: 60000,
  // Two workers on this 2-core machine (Jest's default would be one): integration files mostly wait on their
  // own moto_server process, so two files at a time roughly halve `npm test`, which must stay under ten minutes.
  maxWorkers: 2,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/tools/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/require-moto.ts',
    },
  ],
};
