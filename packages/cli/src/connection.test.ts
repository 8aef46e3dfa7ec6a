import { describe, expect, it } from 'vitest';
import {
  DEFAULT_URI,
  dbNameFromUri,
  hostsOfUri,
  resolveTarget,
  unreachableMessage,
} from './connection.js';

describe('connection target', () => {
  it('takes the database from --db, else the URI path, else flowra', () => {
    expect(resolveTarget({ uri: 'mongodb://h:1/app?replicaSet=rs', db: 'other' }).dbName).toBe(
      'other',
    );
    expect(resolveTarget({ uri: 'mongodb://h:1/app?replicaSet=rs' }).dbName).toBe('app');
    expect(resolveTarget({ uri: 'mongodb://h:1/?replicaSet=rs' }).dbName).toBe('flowra');
    expect(resolveTarget({ uri: 'mongodb://h:1' }).dbName).toBe('flowra');
  });

  it('prefers --uri to MONGODB_URI to the default', () => {
    expect(resolveTarget({ uri: 'mongodb://a:1' }, { MONGODB_URI: 'mongodb://b:2' })).toMatchObject(
      {
        uri: 'mongodb://a:1',
        uriSource: '--uri',
      },
    );
    expect(resolveTarget({}, { MONGODB_URI: 'mongodb://b:2/x' })).toMatchObject({
      uriSource: 'MONGODB_URI',
      dbName: 'x',
    });
    expect(resolveTarget({}, {})).toMatchObject({ uri: DEFAULT_URI, uriSource: 'default' });
  });

  it('names hosts without credentials', () => {
    expect(hostsOfUri('mongodb://user:p%40ss@h1:1,h2:2/db?x=1')).toBe('h1:1,h2:2');
    expect(hostsOfUri('mongodb+srv://u:p@cluster0.example.net/db')).toBe('cluster0.example.net');
    expect(dbNameFromUri('mongodb://h/my%20db')).toBe('my db');
  });

  it('says which host it tried and how to fix it, on one line', () => {
    const target = resolveTarget({ uri: 'mongodb://u:secret@127.0.0.1:1/x' });
    const message = unreachableMessage(
      target,
      new Error('connect ECONNREFUSED 127.0.0.1:1\n  more'),
    );
    expect(message).toContain('127.0.0.1:1');
    expect(message).toContain('--uri');
    expect(message).toContain('MONGODB_URI');
    expect(message).not.toContain('secret');
    expect(message).not.toContain('\n');
  });
});
