import type { Options } from 'tsup';

export interface FlowraBuild {
  /** Entries built as ESM and CJS, with declarations for both. */
  entry: Record<string, string>;
  /** Entries built as ESM only (what cannot work from CJS, or needs no CJS: a test suite, a bin). */
  esmOnly?: Record<string, string>;
  /** ESM-only entries without declarations (a command, with nothing to import). */
  noTypes?: readonly string[];
  external?: string[];
  /** For code that finds files next to itself with `import.meta.url`. */
  shims?: boolean;
}

/**
 * The one build of every package: ESM + CJS + `.d.ts` per entry, source maps carrying their
 * sources (so a failing line shows in a consumer's stack trace though `src` is not shipped),
 * Node 20.
 */
export function flowraTsup(build: FlowraBuild): Options[] {
  const common: Options = {
    sourcemap: true,
    target: 'node20',
    external: build.external,
    shims: build.shims,
  };
  const configs: Options[] = [{ ...common, entry: build.entry, format: ['esm', 'cjs'], dts: true }];
  if (build.esmOnly) {
    const typed = Object.fromEntries(
      Object.entries(build.esmOnly).filter(([name]) => !build.noTypes?.includes(name)),
    );
    configs.push({
      ...common,
      entry: build.esmOnly,
      format: ['esm'],
      dts: Object.keys(typed).length > 0 ? { entry: typed } : false,
      clean: false,
    });
  }
  return configs;
}
