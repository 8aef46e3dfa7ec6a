import { flowraTsup } from '../../tooling/tsup.preset.js';

export default flowraTsup({
  entry: { index: 'src/index.ts', storage: 'src/storage.ts' },
  external: ['mongodb', '@flowra/eventstore-core'],
});
