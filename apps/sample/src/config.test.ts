import { describe, expect, it } from 'vitest';
import { ConfigError, databaseFromUri, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults to the in-memory store on port 3000', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      mongodbUri: undefined,
      mongodbDb: 'flowra_sample',
      snapshotEvery: 10,
      pollIntervalMs: 100,
      seedDemo: true,
      otel: 'off',
      logLevel: 'warn',
    });
  });

  it('FLOWRA_OTEL and LOG_LEVEL take their named values only', () => {
    expect(loadConfig({ FLOWRA_OTEL: 'console', LOG_LEVEL: 'info' })).toMatchObject({
      otel: 'console',
      logLevel: 'info',
    });
    expect(() => loadConfig({ FLOWRA_OTEL: 'jaeger' })).toThrow(
      'FLOWRA_OTEL must be off or console',
    );
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow('LOG_LEVEL must be debug');
  });

  it('reads every variable; empty values count as unset', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      MONGODB_URI: 'mongodb://db1:27017,db2:27017/flowra?replicaSet=rs0',
      SNAPSHOT_EVERY: '50',
      POLL_INTERVAL_MS: '',
      SEED_DEMO: 'false',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      mongodbDb: 'flowra',
      snapshotEvery: 50,
      pollIntervalMs: 100,
      seedDemo: false,
    });
    expect(loadConfig({ MONGODB_URI: 'mongodb://h/flowra', MONGODB_DB: 'other' }).mongodbDb).toBe(
      'other',
    );
  });

  it('takes the database from the URI path, else flowra_sample', () => {
    expect(databaseFromUri('mongodb+srv://u:p@cluster.example.net/prod?retryWrites=true')).toBe(
      'prod',
    );
    expect(databaseFromUri('mongodb://localhost:27017/?replicaSet=rs0')).toBeUndefined();
    expect(loadConfig({ MONGODB_URI: 'mongodb://localhost:27017' }).mongodbDb).toBe(
      'flowra_sample',
    );
  });

  it('names the variable and the bad value, all of them at once', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(
      new ConfigError('Invalid configuration: PORT must be an integer from 0 to 65535 (got "abc")'),
    );
    expect(() =>
      loadConfig({ PORT: '70000', SNAPSHOT_EVERY: '0', MONGODB_URI: 'postgres://x' }),
    ).toThrow(
      /PORT must be .*; MONGODB_URI must start with mongodb:\/\/.*; SNAPSHOT_EVERY must be an integer from 1/,
    );
    expect(() => loadConfig({ SEED_DEMO: 'maybe' })).toThrow('SEED_DEMO must be true or false');
  });
});
