import type { ProvidedMongo, TestMongo } from './types.js';

/** The serializable part of a `TestMongo` (what the vitest global setup provides as 'mongo'). */
export function toProvided(mongo: TestMongo): ProvidedMongo {
  return {
    uri: mongo.uri,
    kind: mongo.kind,
    label: mongo.label,
    capabilities: { ...mongo.capabilities },
  };
}

/** True when the CI variable is set to anything but '', '0' or 'false'. */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}
