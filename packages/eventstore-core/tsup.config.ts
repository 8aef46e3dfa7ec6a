import { flowraTsup } from '../../tooling/tsup.preset.js';

export default flowraTsup({
  entry: { index: 'src/index.ts', adapter: 'src/adapter.ts' },
  // The contract suite is vitest tests, and vitest is ESM only.
  esmOnly: { 'contract/index': 'src/contract/index.ts' },
  external: [
    'vitest',
    'fast-check',
    '@opentelemetry/api',
    '@opentelemetry/sdk-trace-base',
    '@opentelemetry/sdk-metrics',
    '@opentelemetry/context-async-hooks',
  ],
});
