export {
  CAPABILITY_NAMES,
  type Capabilities,
  type Capability,
  type ProvidedMongo,
  type TestMongo,
  type TestMongoKind,
} from './types.js';
export { capabilityReason, probeCapabilities, serverName } from './capabilities.js';
export {
  NoTestMongoError,
  forcedKind,
  startTestMongo,
  type StartTestMongoOptions,
} from './start.js';
export { toProvided } from './provided.js';
export { FERRETDB_VERSION, ensureFerretdb, ferretdbBinaryPath } from './ferretdb.js';
