import { randomUUID } from 'node:crypto';
import {
  AddParticipantInput,
  AssignUserInput,
  ChangeStatusInput,
  Chat,
  type CommandContext,
  ConvertChatInput,
  CreateChatInput,
  RenameChatInput,
  SetDueDateInput,
  SetPriorityInput,
  SetSeverityInput,
} from '@flowra/domain';
import { type Handler, Hono } from 'hono';
import type { ProjectionReader } from '@flowra/projections';
import type { TenantRepositories } from '../tenancy.js';
import { type TimelineEntry, inTimelineOrder, toMessageView } from '../projections/timeline.js';
import { type AppContext, type AppEnv, commandContext, writeContext } from './app-env.js';
import { body, noInput, readBody } from './body.js';
import { etag, refuseIfMatch, runCommand } from './versioning.js';
import { chatView } from './views.js';

/** Chats: created here, then changed by one route per domain command. */
export function chatRoutes(
  repositories: TenantRepositories,
  timeline: ProjectionReader,
): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  /** Reads the command's input, runs the command, answers with the chat and its version. */
  function command<I>(
    inputOf: (c: AppContext) => I | Promise<I>,
    run: (chat: Chat, input: I, context: CommandContext) => void,
  ): Handler<AppEnv> {
    return async (c) => {
      const input = await inputOf(c);
      const context = commandContext(c);
      const chat = await runCommand(
        repositories.chats(c.get('scope').tenantId),
        c.req.param('chatId')!,
        c.req.header('if-match'),
        (aggregate) => run(aggregate, input, context),
        writeContext(c),
      );
      return c.json({ chat: chatView(chat) }, 200, { ETag: etag(chat.version) });
    };
  }

  routes.post('/', async (c) => {
    refuseIfMatch(c.req.header('if-match'));
    const input = await readBody(c, CreateChatInput);
    const chat = Chat.create(randomUUID(), input, commandContext(c));
    await repositories.chats(c.get('scope').tenantId).save(chat, writeContext(c));
    return c.json({ chat: chatView(chat) }, 201, {
      ETag: etag(chat.version),
      Location: `/chats/${chat.id}`,
    });
  });

  /**
   * The chat from its stream (current, versioned) with its messages from the timeline read
   * model (eventually consistent: a message posted a moment ago may not be listed yet).
   */
  routes.get('/:chatId', async (c) => {
    const { tenantId } = c.get('scope');
    const chat = await repositories.chats(tenantId).load(c.req.param('chatId'));
    const entries = await timeline.find<TimelineEntry>('entries', { tenantId, chatId: chat.id });
    const messages = inTimelineOrder(entries).map(toMessageView);
    return c.json({ chat: chatView(chat), messages }, 200, { ETag: etag(chat.version) });
  });

  routes.put(
    '/:chatId/title',
    command(body(RenameChatInput), (chat, input, ctx) => chat.rename(input, ctx)),
  );
  routes.post(
    '/:chatId/participants',
    command(body(AddParticipantInput), (chat, input, ctx) => chat.addParticipant(input, ctx)),
  );
  routes.delete(
    '/:chatId/participants/:userId',
    command(
      (c) => ({ userId: c.req.param('userId')! }),
      (chat, input, ctx) => chat.removeParticipant(input, ctx),
    ),
  );
  routes.post(
    '/:chatId/conversion',
    command(body(ConvertChatInput), (chat, input, ctx) => chat.convertToTask(input, ctx)),
  );
  routes.put(
    '/:chatId/status',
    command(body(ChangeStatusInput), (chat, input, ctx) => chat.changeStatus(input, ctx)),
  );
  routes.put(
    '/:chatId/assignee',
    command(body(AssignUserInput), (chat, input, ctx) => chat.assign(input, ctx)),
  );
  routes.delete(
    '/:chatId/assignee',
    command(noInput, (chat, _input, ctx) => chat.unassign(ctx)),
  );
  routes.put(
    '/:chatId/priority',
    command(body(SetPriorityInput), (chat, input, ctx) => chat.setPriority(input, ctx)),
  );
  routes.put(
    '/:chatId/due-date',
    command(body(SetDueDateInput), (chat, input, ctx) => chat.setDueDate(input, ctx)),
  );
  routes.put(
    '/:chatId/severity',
    command(body(SetSeverityInput), (chat, input, ctx) => chat.setSeverity(input, ctx)),
  );

  return routes;
}
