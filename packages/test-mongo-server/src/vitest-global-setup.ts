import type { TestProject } from 'vitest/node';
import { isCI, toProvided } from './provided.js';
import { NoTestMongoError, startTestMongo } from './start.js';
import type { ProvidedMongo } from './types.js';

/**
 * `pnpm test` starts one server per pass and hands it to every package's run in
 * FLOWRA_TEST_MONGO_SHARED (the JSON of a `ProvidedMongo`, or `null` for none).
 */
function sharedServer(): ProvidedMongo | null | undefined {
  const raw = process.env.FLOWRA_TEST_MONGO_SHARED;
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as ProvidedMongo | null;
  } catch {
    throw new Error('FLOWRA_TEST_MONGO_SHARED is not the JSON of a test server description');
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * Provided by `@flowra/test-mongo-server/global-setup`: the test server, or null when there is
     * none (never in CI: there the global setup fails the run instead).
     */
    mongo: ProvidedMongo | null;
  }
}

/**
 * vitest `globalSetup`: starts ONE test server for the whole run, provides it as 'mongo' (read it
 * with `useTestMongo()` from `@flowra/test-mongo-server/vitest`), prints `[mongo] using <label>`,
 * and stops it at teardown. With no server at all it fails the run in CI (CI set) and provides
 * null elsewhere, so MongoDB tests skip with a printed reason.
 */
export default async function setup(
  project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
  const shared = sharedServer();
  if (shared !== undefined) {
    project.provide('mongo', shared);
    console.log(`[mongo] using ${shared ? shared.label : 'no server'} (shared by the test run)`);
    return undefined;
  }
  let mongo: Awaited<ReturnType<typeof startTestMongo>>;
  try {
    mongo = await startTestMongo();
  } catch (error) {
    if (error instanceof NoTestMongoError && !isCI()) {
      project.provide('mongo', null);
      console.warn(`[mongo] ${error.message} MongoDB tests will be skipped.`);
      return undefined;
    }
    if (error instanceof NoTestMongoError) {
      throw new Error(
        `[mongo] CI is set and there is no MongoDB server to test against. ${error.message}`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  project.provide('mongo', toProvided(mongo));
  const passedOver = mongo.skipped.length > 0 ? ` (passed over: ${mongo.skipped.join('; ')})` : '';
  console.log(`[mongo] using ${mongo.label}${passedOver}`);
  return () => mongo.stop();
}
