import { describe, expect, it } from 'vitest';
import {
  DEFAULT_URI,
  databaseFailure,
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

  it('names the host for a failure after connecting: exit 2 when the server is gone, else 1', () => {
    const target = resolveTarget({ uri: 'mongodb://u:secret@db.example:27017/x' });
    const selection = Object.assign(new Error('Server selection timed out after 3000 ms'), {
      name: 'MongoServerSelectionError',
      cause: new Error('connect ECONNREFUSED 10.0.0.1:27017'),
    });
    // As the store wraps it: its own message names the operation, the driver's is the cause.
    const gone = Object.assign(new Error('Event store readAll failed'), {
      name: 'StoreUnavailableError',
      cause: selection,
    });
    const lost = databaseFailure(target, 'reading the log', gone);
    expect(lost.exitCode).toBe(2);
    expect(lost.message).toContain('cannot reach MongoDB at db.example:27017');
    expect(lost.message).toContain('ECONNREFUSED');
    const refused = Object.assign(new Error('Event store readAll failed'), {
      name: 'StoreUnavailableError',
      cause: Object.assign(new Error('not authorized on x to execute command'), { code: 13 }),
    });
    const denied = databaseFailure(target, 'reading the log', refused);
    expect(denied.exitCode).toBe(1);
    expect(denied.message).toBe(
      'reading the log from MongoDB at db.example:27017 failed: not authorized on x to execute command',
    );
    expect(`${lost.message}${denied.message}`).not.toContain('secret');
  });
});
