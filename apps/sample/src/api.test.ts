import { describe } from 'vitest';
import { apiSuite } from './api.suite.js';
import { memoryStorage } from './storage.js';

describe('HTTP API on the in-memory store', () => {
  apiSuite(async () => memoryStorage());
});
