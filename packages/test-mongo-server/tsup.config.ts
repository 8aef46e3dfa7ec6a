import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    vitest: 'src/vitest.ts',
    'vitest-global-setup': 'src/vitest-global-setup.ts',
    cli: 'src/cli.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // import.meta.url is used to find the emulator package and the capability cache; shim it in CJS.
  shims: true,
  external: ['vitest', 'mongodb', 'mongodb-memory-server'],
});
