import { flowraTsup } from '../../tooling/tsup.preset.js';

export default flowraTsup({
  entry: { index: 'src/index.ts' },
});
