import { Chat, Message } from '@flowra/domain';
import { type ProjectionDefinition, ProjectionReader, ProjectionRunner } from '@flowra/projections';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { taskBoard } from './projections/task-board.js';
import { timeline } from './projections/timeline.js';
import { type Sample, startSample } from './sample.js';
import { listen } from './server.js';
import type { Storage } from './storage.js';
import { TenantRepositories } from './tenancy.js';
import { type HttpClient, httpClient, sseReader } from './test-support/http-client.js';

/**
 * The whole HTTP API, written once and run on each store: `api.test.ts` (in memory) and
 * `api.int.test.ts` (MongoDB). `openStorage` gives a new, empty storage on every call.
 */
export function apiSuite(openStorage: () => Promise<Storage>): void {
  let storage: Storage;
  let sample: Sample;
  let tenants = 0;
  /** A tenant of its own per test, so tests share the app but never each other's data. */
  const tenant = () => `t${++tenants}-${Date.now().toString(36)}`;
  const client = (tenantId = tenant(), userId = 'ann') => httpClient(sample.app, tenantId, userId);

  beforeAll(async () => {
    storage = await openStorage();
    sample = await startSample(storage, { snapshotEvery: 5, log: () => {} });
  });

  afterAll(async () => {
    await sample?.close();
    await storage?.close();
  });

  async function createTask(api: HttpClient, body: Record<string, unknown> = {}) {
    const reply = await api.post('/chats', {
      workspaceId: 'web',
      type: 'Task',
      title: 'Ship it',
      ...body,
    });
    expect(reply.status).toBe(201);
    return reply.body.chat as { id: string; version: number };
  }

  async function board(api: HttpClient) {
    await sample.settled();
    const reply = await api.get('/board');
    expect(reply.status).toBe(200);
    const cards: Record<string, any[]> = {};
    for (const column of reply.body.columns) cards[column.status] = column.cards;
    return cards;
  }

  it('GET /health reports the store, the log head and the projections', async () => {
    const reply = await httpClient(sample.app, null, null).get('/health');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'ok', store: storage.kind });
    expect(reply.body.projections).toHaveProperty('task-board');
    expect(reply.body.projections).toHaveProperty('timeline');
  });

  it('GET / serves the board page', async () => {
    const reply = await httpClient(sample.app, null, null).get('/');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toContain('text/html');
    expect(reply.body).toContain('new EventSource');
  });

  it('creates a chat: 201, the chat, its version as ETag, a Location; GET reads it back', async () => {
    const api = client();
    const created = await api.post('/chats', {
      workspaceId: 'web',
      title: '  Launch plan  ',
      participantIds: ['bob', 'cara', 'bob'],
    });
    expect(created.status).toBe(201);
    const chat = created.body.chat;
    expect(chat).toMatchObject({
      type: 'Discussion',
      title: 'Launch plan',
      createdBy: 'ann',
      version: 3,
    });
    expect(chat.participants).toEqual(['ann', 'bob', 'cara']);
    expect(created.headers.get('etag')).toBe('"3"');
    expect(created.headers.get('location')).toBe(`/chats/${chat.id}`);
    expect(created.headers.get('x-request-id')).toBeTruthy();

    const read = await api.get(`/chats/${chat.id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"3"');
    expect(read.body.chat).toMatchObject({ id: chat.id, title: 'Launch plan', version: 3 });
    expect(read.body.messages).toEqual([]);
  });

  it('adds and removes participants, and renames the chat', async () => {
    const api = client();
    const { id } = (await api.post('/chats', { workspaceId: 'web', title: 'Team' })).body.chat;
    const added = await api.post(`/chats/${id}/participants`, { userId: 'bob' });
    expect(added.status).toBe(200);
    expect(added.body.chat.participants).toEqual(['ann', 'bob']);
    expect(added.headers.get('etag')).toBe('"2"');

    const renamed = await api.put(`/chats/${id}/title`, { title: 'Core team' });
    expect(renamed.body.chat).toMatchObject({ title: 'Core team', version: 3 });

    const removed = await api.delete(`/chats/${id}/participants/bob`);
    expect(removed.status).toBe(200);
    expect(removed.body.chat.participants).toEqual(['ann']);
    expect(removed.headers.get('etag')).toBe('"4"');
  });

  it('converts a chat to a task, a bug and an epic and tracks them; the board shows them', async () => {
    const api = client();
    const create = async (title: string) =>
      (await api.post('/chats', { workspaceId: 'web', title, participantIds: ['bob'] })).body.chat
        .id as string;
    const [task, bug, epic] = [
      await create('Task one'),
      await create('Bug one'),
      await create('Epic one'),
    ];
    for (const [id, to] of [
      [task, 'Task'],
      [bug, 'Bug'],
      [epic, 'Epic'],
    ] as const) {
      const converted = await api.post(`/chats/${id}/conversion`, { to });
      expect(converted.status).toBe(200);
      expect(converted.body.chat).toMatchObject({ type: to, status: 'todo' });
    }

    expect(
      (await api.put(`/chats/${bug}/status`, { status: 'in_progress' })).body.chat.status,
    ).toBe('in_progress');
    expect((await api.put(`/chats/${bug}/assignee`, { userId: 'bob' })).body.chat.assigneeId).toBe(
      'bob',
    );
    expect(
      (await api.put(`/chats/${bug}/priority`, { priority: 'urgent' })).body.chat.priority,
    ).toBe('urgent');
    const due = await api.put(`/chats/${bug}/due-date`, { dueDate: '2030-01-31' });
    expect(due.body.chat.dueDate).toBe('2030-01-31T00:00:00.000Z');
    const severity = await api.put(`/chats/${bug}/severity`, { severity: 'critical' });
    expect(severity.body.chat).toMatchObject({ severity: 'critical', version: 8 });
    expect(severity.headers.get('etag')).toBe('"8"');
    await api.put(`/chats/${task}/assignee`, { userId: 'bob' });
    const unassigned = await api.delete(`/chats/${task}/assignee`);
    expect(unassigned.body.chat.assigneeId).toBeNull();
    const cleared = await api.put(`/chats/${bug}/due-date`, { dueDate: null });
    expect(cleared.body.chat.dueDate).toBeNull();

    const columns = await board(api);
    expect(columns.todo!.map((c) => c.title).sort()).toEqual(['Epic one', 'Task one']);
    expect(columns.in_progress).toEqual([
      expect.objectContaining({
        chatId: bug,
        title: 'Bug one',
        type: 'Bug',
        assigneeId: 'bob',
        priority: 'urgent',
        severity: 'critical',
        dueDate: null,
        version: 9,
        eventCount: 9,
      }),
    ]);
  });

  it('posts, edits, reacts, unreacts and deletes messages; the chat shows its timeline', async () => {
    const api = client();
    const bob = api.as('bob');
    const { id: chatId } = (
      await api.post('/chats', { workspaceId: 'web', title: 'Talk', participantIds: ['bob'] })
    ).body.chat;

    const posted = await api.post(`/chats/${chatId}/messages`, { body: 'Hello' });
    expect(posted.status).toBe(201);
    const message = posted.body.message;
    expect(message).toMatchObject({ chatId, authorId: 'ann', body: 'Hello', version: 1 });
    expect(posted.headers.get('location')).toBe(`/chats/${chatId}/messages/${message.id}`);
    const reply = (
      await bob.post(`/chats/${chatId}/messages`, { body: 'Hi!', replyToId: message.id })
    ).body.message;

    const edited = await api.patch(`/chats/${chatId}/messages/${message.id}`, {
      body: 'Hello all',
    });
    expect(edited.body.message).toMatchObject({ body: 'Hello all', version: 2 });
    expect(
      (await bob.post(`/chats/${chatId}/messages/${message.id}/reactions`, { emoji: '👍' })).status,
    ).toBe(200);
    expect(
      (await api.post(`/chats/${chatId}/messages/${message.id}/reactions`, { emoji: '🎉' })).status,
    ).toBe(200);
    const unreacted = await api.delete(
      `/chats/${chatId}/messages/${message.id}/reactions/${encodeURIComponent('🎉')}`,
    );
    expect(unreacted.status).toBe(200);
    expect(unreacted.headers.get('etag')).toBe('"5"');
    const deleted = await bob.delete(`/chats/${chatId}/messages/${reply.id}`);
    expect(deleted.body.message).toMatchObject({ body: '', deletedAt: expect.any(String) });

    await sample.settled();
    const read = await api.get(`/chats/${chatId}`);
    expect(read.body.messages).toEqual([
      expect.objectContaining({
        messageId: message.id,
        body: 'Hello all',
        edits: 1,
        deleted: false,
        reactions: { '👍': ['bob'] },
      }),
      expect.objectContaining({
        messageId: reply.id,
        replyToId: message.id,
        body: '',
        deleted: true,
      }),
    ]);
  });

  it('400: malformed JSON, a body its schema refuses, a bad or missing tenant or user, a bad If-Match', async () => {
    const api = client();
    const { id } = await createTask(api);

    const malformed = await api.post('/chats', '{ not json');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 'INVALID_INPUT', field: 'body' });

    const refused = await api.post('/chats', { workspaceId: 'web', type: 'Meeting', title: '' });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('INVALID_INPUT');
    expect(refused.body.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'title',
      'type',
    ]);

    // Refused by the store's registry; named as the client sent it, without the stream.
    const surrogate = await api.put(`/chats/${id}/title`, { title: 'a\ud800b' });
    expect(surrogate.status).toBe(400);
    expect(surrogate.body).toMatchObject({ code: 'INVALID_INPUT', field: 'title' });
    expect(surrogate.body.message).toMatch(/^Invalid title: /);
    expect(surrogate.body.message).not.toContain('stream');

    const badStatus = await api.put(`/chats/${id}/status`, { status: 'finished' });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.message).toMatch(/^status:/);

    expect((await httpClient(sample.app, null).get('/board')).body).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'X-Tenant-Id',
    });
    expect((await httpClient(sample.app, 'a_b').get('/board')).status).toBe(400);
    const anonymous = await httpClient(sample.app, 'acme', null).post('/chats', {
      workspaceId: 'w',
      title: 't',
    });
    expect(anonymous.status).toBe(400);
    expect(anonymous.body.field).toBe('X-User-Id');

    const badIfMatch = await api.put(
      `/chats/${id}/priority`,
      { priority: 'low' },
      { 'If-Match': 'three' },
    );
    expect(badIfMatch.status).toBe(400);
    expect(badIfMatch.body.field).toBe('If-Match');
    // Ids in the URL are checked by the domain (at most 200 characters) and by the stream
    // naming (at most 256): either refusal is a 400.
    expect((await api.get(`/chats/${'x'.repeat(201)}`)).body.field).toBe('id');
    expect((await api.get(`/chats/${'x'.repeat(300)}`)).body.field).toBe('aggregateId');
  });

  it('404: an unknown chat or message, a message of another chat, an unknown route', async () => {
    const api = client();
    const a = await createTask(api);
    const b = await createTask(api);
    const message = (await api.post(`/chats/${a.id}/messages`, { body: 'in a' })).body.message;

    for (const reply of [
      await api.get('/chats/no-such-chat'),
      await api.put('/chats/no-such-chat/status', { status: 'in_progress' }),
      await api.post('/chats/no-such-chat/messages', { body: 'hello?' }),
      await api.patch(`/chats/${a.id}/messages/no-such-message`, { body: 'x' }),
      await api.patch(`/chats/${b.id}/messages/${message.id}`, { body: 'wrong chat' }),
    ]) {
      expect(reply.status).toBe(404);
      expect(reply.body.code).toBe('NOT_FOUND');
    }
    expect((await api.get('/nowhere')).status).toBe(404);
  });

  it('409: a stale If-Match gets the actual version in body and ETag; the current one goes through', async () => {
    const api = client();
    const { id } = await createTask(api);
    await api.put(`/chats/${id}/priority`, { priority: 'high' });

    const stale = await api.put(
      `/chats/${id}/status`,
      { status: 'in_progress' },
      { 'If-Match': '"1"' },
    );
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'CONFLICT', expectedVersion: 1, actualVersion: 2 });
    expect(stale.headers.get('etag')).toBe('"2"');

    const current = await api.put(
      `/chats/${id}/status`,
      { status: 'in_progress' },
      { 'If-Match': stale.headers.get('etag')! },
    );
    expect(current.status).toBe(200);
    expect(current.headers.get('etag')).toBe('"3"');
  });

  it('422: a broken domain rule, with its code', async () => {
    const api = client();
    const task = await createTask(api);
    const cases = [
      [await api.put(`/chats/${task.id}/status`, { status: 'done' }), 'INVALID_STATUS_TRANSITION'],
      [await api.put(`/chats/${task.id}/severity`, { severity: 'minor' }), 'SEVERITY_NOT_ALLOWED'],
      [await api.put(`/chats/${task.id}/assignee`, { userId: 'zoe' }), 'NOT_PARTICIPANT'],
      [await api.post(`/chats/${task.id}/conversion`, { to: 'Bug' }), 'INVALID_CHAT_CONVERSION'],
      [await api.delete(`/chats/${task.id}/participants/ann`), 'CANNOT_REMOVE_CREATOR'],
      [
        await api.as('zoe').post(`/chats/${task.id}/messages`, { body: 'let me in' }),
        'NOT_PARTICIPANT',
      ],
    ] as const;
    for (const [reply, code] of cases) {
      expect(reply.status, code).toBe(422);
      expect(reply.body.code).toBe(code);
    }
    const discussion = (await api.post('/chats', { workspaceId: 'web', title: 'Chat' })).body.chat;
    const untracked = await api.put(`/chats/${discussion.id}/priority`, { priority: 'low' });
    expect(untracked.body.code).toBe('CHAT_NOT_TRACKED');
  });

  it('two concurrent updates with the same If-Match: exactly one wins, the other gets 409', async () => {
    const api = client();
    const { id, version } = await createTask(api);
    const ifMatch = { 'If-Match': `"${version}"` };
    const replies = await Promise.all([
      api.put(`/chats/${id}/priority`, { priority: 'high' }, ifMatch),
      api.put(`/chats/${id}/priority`, { priority: 'low' }, ifMatch),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = replies.find((r) => r.status === 200)!;
    const loser = replies.find((r) => r.status === 409)!;
    expect(loser.body.actualVersion).toBe(version + 1);
    const read = await api.get(`/chats/${id}`);
    expect(read.body.chat).toMatchObject({
      version: version + 1,
      priority: winner.body.chat.priority,
    });
  });

  it('twenty concurrent renames without If-Match all succeed: the server retries them in turn', async () => {
    const api = client();
    const { id, version } = await createTask(api);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api.put(`/chats/${id}/title`, { title: `Take ${i}` })),
    );
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
    expect((await api.get(`/chats/${id}`)).body.chat.version).toBe(version + 20);
  });

  it('If-Match is a list of strong ETags: any listed version goes through, weak or foreign tags never do, creating refuses one', async () => {
    const api = client();
    const { id, version } = await createTask(api);
    const put = (ifMatch: string, priority: string) =>
      api.put(`/chats/${id}/priority`, { priority }, { 'If-Match': ifMatch });
    const weak = await put(`W/"${version}"`, 'high');
    expect(weak.status).toBe(409);
    expect(weak.body).toMatchObject({ code: 'CONFLICT', actualVersion: version });
    expect(weak.body).not.toHaveProperty('expectedVersion');
    expect((await put(`, "${version + 9}",`, 'high')).status).toBe(409);
    expect((await put(`"0${version}"`, 'high')).status).toBe(409);
    const listed = await put(`"${version + 7}", "${version}"`, 'high');
    expect(listed.status).toBe(200);
    expect((await put('"1" garbage', 'low')).status).toBe(400);
    const created = await api.post(
      '/chats',
      { workspaceId: 'web', title: 'Fresh' },
      { 'If-Match': '"5"' },
    );
    expect(created.status).toBe(400);
    expect(created.body.field).toBe('If-Match');
    const posted = await api.post(`/chats/${id}/messages`, { body: 'hi' }, { 'If-Match': '"1"' });
    expect(posted.status).toBe(400);
    expect(
      (await api.post(`/chats/${id}/messages`, { body: 'hi' }, { 'If-Match': '*' })).status,
    ).toBe(201);
  });

  it('413: a body over 64 KiB, answered in the JSON of every other error', async () => {
    const api = client();
    const reply = await api.post('/chats', { workspaceId: 'web', title: 'x'.repeat(70 * 1024) });
    expect(reply.status).toBe(413);
    expect(reply.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('concurrent updates without If-Match all succeed: the repository retries on conflict', async () => {
    const api = client();
    const { id, version } = await createTask(api);
    const replies = await Promise.all([
      api.put(`/chats/${id}/priority`, { priority: 'high' }),
      api.put(`/chats/${id}/due-date`, { dueDate: '2031-05-01' }),
      api.put(`/chats/${id}/title`, { title: 'Ship it today' }),
    ]);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    const read = await api.get(`/chats/${id}`);
    expect(read.body.chat).toMatchObject({
      version: version + 3,
      priority: 'high',
      dueDate: '2031-05-01T00:00:00.000Z',
      title: 'Ship it today',
    });
  });

  it("tenant isolation: tenant B can neither read nor change tenant A's chat", async () => {
    const a = client(tenant());
    const b = client(tenant());
    const { id } = await createTask(a, { title: 'Secret plan' });
    const message = (await a.post(`/chats/${id}/messages`, { body: 'secret' })).body.message;

    expect((await b.get(`/chats/${id}`)).status).toBe(404);
    expect((await b.put(`/chats/${id}/status`, { status: 'in_progress' })).status).toBe(404);
    expect((await b.post(`/chats/${id}/messages`, { body: 'hi' })).status).toBe(404);
    expect(
      (await b.patch(`/chats/${id}/messages/${message.id}`, { body: 'mine now' })).status,
    ).toBe(404);
    expect(Object.values(await board(b)).flat()).toEqual([]);
    expect((await board(a)).todo!.map((c) => c.title)).toEqual(['Secret plan']);
    expect((await a.get(`/chats/${id}`)).body.chat.version).toBe(1);
  });

  it('projections: killed between document and checkpoint, restarted from the checkpoint, nothing applied twice', async () => {
    const own = await openStorage();
    try {
      const { store, readModels } = own;
      const repositories = new TenantRepositories({ store, snapshotEvery: 100 });
      const chats = repositories.chats('acme');
      const messages = repositories.messages('acme');
      const ctx = (userId: string) => ({ userId, at: new Date() });
      const chat = Chat.create(
        'c1',
        { workspaceId: 'w', type: 'Task', title: 'Crash test', participantIds: ['bob'] },
        ctx('ann'),
      );
      await chats.save(chat);
      const message = Message.post('m1', chat, { body: 'hi' }, ctx('ann'));
      await messages.save(message);
      chat.changeStatus({ status: 'in_progress' }, ctx('ann'));
      await chats.save(chat);
      message.addReaction(chat, { emoji: '👍' }, ctx('bob'));
      await messages.save(message);
      const positionOf = new Map<string, number>();
      for await (const e of store.readAll()) positionOf.set(e.type, e.position);

      const runner = (
        projection: ProjectionDefinition<any>,
        afterDocuments?: (toPosition: number) => void,
      ) =>
        new ProjectionRunner({
          store,
          readModels,
          projection,
          batchSize: 1,
          pollIntervalMs: 20,
          restart: false,
          log: () => {},
          ...(afterDocuments
            ? { hooks: { afterDocuments: ({ toPosition }) => afterDocuments(toPosition) } }
            : {}),
        });
      const read = (projection: ProjectionDefinition<any>, collection: string, id: string) =>
        new ProjectionReader(readModels, projection.name).get<Record<string, unknown>>(
          collection,
          id,
        );

      async function crash(
        projection: ProjectionDefinition<any>,
        type: string,
        collection: string,
        doc: string,
      ) {
        const crashAt = positionOf.get(type)!;
        const first = runner(projection, (toPosition) => {
          if (toPosition === crashAt) throw new Error('killed between document and checkpoint');
        });
        first.start();
        await first.done;
        expect(first.error?.message).toContain('killed');
        // The crash window: the document shows the event, the checkpoint does not.
        expect((await read(projection, collection, doc))!.lastPosition).toBe(crashAt);
        expect((await readModels.getState(projection.name))!.position).toBeLessThan(crashAt);
      }
      await crash(taskBoard, 'StatusChanged', 'cards', 'acme/c1');
      await crash(timeline, 'ReactionAdded', 'entries', 'acme/m1');

      // Written while the projections are down: the restart must pick these up too.
      chat.setPriority({ priority: 'high' }, ctx('ann'));
      await chats.save(chat);
      message.edit({ body: 'hi all' }, ctx('ann'));
      await messages.save(message);
      const head = await own.headPosition();

      async function restart(
        projection: ProjectionDefinition<any>,
        collection: string,
        doc: string,
      ) {
        const restarted = runner(projection);
        restarted.start();
        expect(await restarted.waitFor(head)).toBe(true);
        await restarted.stop();
        return (await read(projection, collection, doc))!;
      }
      // The event of the crash is handed over again, and the document's lastPosition makes it a
      // no-op: the counts show every event applied once.
      const card = await restart(taskBoard, 'cards', 'acme/c1');
      expect(card).toMatchObject({
        status: 'in_progress',
        priority: 'high',
        version: 4,
        eventCount: 4,
      });
      const entry = await restart(timeline, 'entries', 'acme/m1');
      expect(entry).toMatchObject({ body: 'hi all', edits: 1, eventCount: 3 });
      expect(entry.reactions).toEqual([{ emoji: '👍', userId: 'bob' }]);
    } finally {
      await own.close();
    }
  });

  it('rebuild: a new generation from the log, switched to while the app serves, gives the same board', async () => {
    const api = client();
    const { id } = await createTask(api, { title: 'Rebuild me', participantIds: ['bob'] });
    await api.put(`/chats/${id}/assignee`, { userId: 'bob' });
    await api.post(`/chats/${id}/messages`, { body: 'note' });
    const before = await board(api);
    const chatBefore = (await api.get(`/chats/${id}`)).body.messages;

    const generation = async () => (await storage.readModels.getState('task-board'))!.generation;
    const was = await generation();
    await sample.projections.runner('task-board').rebuild();
    await sample.projections.runner('timeline').rebuild();
    for (let i = 0; i < 500; i++) {
      // Readers are served from the old generation until the switch.
      expect(await board(api)).toEqual(before);
      const states = await storage.readModels.listStates();
      if (states.every((s) => s.rebuild === null) && (await generation()) === was + 1) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await generation()).toBe(was + 1);

    expect(await board(api)).toEqual(before);
    expect((await api.get(`/chats/${id}`)).body.messages).toEqual(chatBefore);
  });

  it('GET /events streams the log as SSE, this tenant only, resuming after Last-Event-ID', async () => {
    const server = await listen(sample.app, 0);
    const tenantId = tenant();
    const api = client(tenantId);
    const other = client();
    const abort = new AbortController();
    try {
      const { id } = await createTask(api, { participantIds: ['bob'] }); // 2 events
      await createTask(other); // another tenant's event in between
      await api.put(`/chats/${id}/priority`, { priority: 'low' });

      const open = (headers: Record<string, string>, query = '') =>
        fetch(`${server.url}/events?tenant=${tenantId}${query}`, { headers, signal: abort.signal });
      const all = await open({}, '&from=0');
      expect(all.headers.get('content-type')).toContain('text/event-stream');
      const replayed = await sseReader(all).next(3);
      expect(replayed.map((e) => e.data.type)).toEqual([
        'ChatCreated',
        'ParticipantAdded',
        'PrioritySet',
      ]);
      expect(replayed.map((e) => Number(e.id))).toEqual(replayed.map((e) => e.data.position));
      expect(Number(replayed[2]!.id) - Number(replayed[1]!.id)).toBeGreaterThan(1);

      const resumed = sseReader(
        await open({ 'Last-Event-ID': replayed[0]!.id, 'X-Tenant-Id': tenantId }),
      );
      const [second, third] = await resumed.next(2);
      expect([second!.id, third!.id]).toEqual([replayed[1]!.id, replayed[2]!.id]);
      // ...then live: an event written now arrives on the open stream.
      await api.put(`/chats/${id}/status`, { status: 'in_progress' });
      const [live] = await resumed.next(1);
      expect(live!.data).toMatchObject({
        type: 'StatusChanged',
        data: { chatId: id, to: 'in_progress' },
      });

      // A position the log has not reached (from before a restart, say) would skip events.
      const ahead = await open({ 'Last-Event-ID': String(Number(live!.id) + 1000) });
      expect(ahead.status).toBe(400);
      const refused = (await ahead.json()) as { field: string; message: string };
      expect(refused).toMatchObject({ field: 'Last-Event-ID' });
      expect(refused.message).toContain("past the log's head");
    } finally {
      abort.abort();
      await server.close();
    }
  });
}
