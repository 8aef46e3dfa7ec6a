import { flowraTsup } from '../../tooling/tsup.preset.js';

export default flowraTsup({
  entry: { index: 'src/index.ts' },
  // Tests for vitest, which is ESM only.
  esmOnly: { 'testing/index': 'src/testing/index.ts' },
  external: ['@flowra/eventstore-core', 'vitest'],
});
