import { flowraTsup } from '../../tooling/tsup.preset.js';

export default flowraTsup({
  entry: { index: 'src/index.ts', 'mongodb/index': 'src/mongodb/index.ts' },
  // The read-model store contract is tests for vitest, which is ESM only.
  esmOnly: { 'contract/index': 'src/contract/index.ts' },
  external: ['@flowra/eventstore-core', 'mongodb', 'vitest'],
});
