import { flowraTsup } from '../../tooling/tsup.preset.js';

export default flowraTsup({
  entry: { index: 'src/index.ts' },
  // The command itself: ESM, nothing to import from it.
  esmOnly: { cli: 'src/cli.ts' },
  noTypes: ['cli'],
});
