import { flowraVitest } from '../../tooling/vitest.preset.js';

export default flowraVitest({
  // This package's own tests use its global setup from source; the others use the built one.
  globalSetup: ['./src/vitest-global-setup.ts'],
  // Starting servers is what most of this code does, and each test run starts one at most.
  coverageLines: 25,
});
