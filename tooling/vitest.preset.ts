import { defineConfig } from 'vitest/config';

export interface FlowraTests {
  /** The package has `*.int.test.ts` files that need the MongoDB test server. */
  mongo?: boolean;
  /** Lines `pnpm coverage` must reach (percent). */
  coverageLines: number;
  /** Per test, in ms (default 20 s; 60 s with MongoDB). */
  testTimeout?: number;
  /** The global setup of the test-server package itself, from source. */
  globalSetup?: string[];
  exclude?: string[];
}

/** The one test setup of every package: where tests are, what they report, what they must cover. */
export function flowraVitest(tests: FlowraTests) {
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      ...(tests.exclude ? { exclude: ['**/node_modules/**', ...tests.exclude] } : {}),
      globalSetup:
        tests.globalSetup ?? (tests.mongo ? ['@flowra/test-mongo-server/global-setup'] : []),
      testTimeout: tests.testTimeout ?? (tests.mongo ? 60_000 : 20_000),
      hookTimeout: tests.mongo ? 120_000 : 30_000,
      reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
      coverage: {
        provider: 'v8',
        include: ['src/**/*.ts'],
        exclude: ['src/**/*.test.ts', 'src/**/test-support/**'],
        reporter: ['text-summary', 'json-summary'],
        thresholds: { lines: tests.coverageLines },
      },
    },
  });
}
