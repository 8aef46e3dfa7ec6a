import { flowraTsup } from '../../tooling/tsup.preset.js';

export default flowraTsup({
  entry: {
    index: 'src/index.ts',
    vitest: 'src/vitest.ts',
    'vitest-global-setup': 'src/vitest-global-setup.ts',
  },
  esmOnly: { cli: 'src/cli.ts' },
  noTypes: ['cli'],
  external: ['vitest', 'mongodb', 'mongodb-memory-server'],
  // import.meta.url finds the emulator package and the capability cache; shimmed in CJS.
  shims: true,
});
