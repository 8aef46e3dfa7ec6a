import { randomUUID } from 'node:crypto';
import {
  AddReactionInput,
  type Chat,
  type CommandContext,
  EditMessageInput,
  Message,
  PostMessageInput,
} from '@flowra/domain';
import { AggregateNotFoundError } from '@flowra/repository';
import { type Handler, Hono } from 'hono';
import type { TenantRepositories } from '../tenancy.js';
import { type AppContext, type AppEnv, commandContext, writeContext } from './app-env.js';
import { body, noInput } from './body.js';
import { etag, refuseIfMatch, runCommand } from './versioning.js';
import { messageView } from './views.js';

/**
 * Messages of a chat, mounted under `/chats/:chatId/messages`. Each message is an aggregate
 * with a stream of its own, so edits and reactions on different messages never conflict.
 */
export function messageRoutes(repositories: TenantRepositories): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  /** Reads the input, runs the command on a message of this chat, answers with the message. */
  function command<I>(
    inputOf: (c: AppContext) => I | Promise<I>,
    run: (message: Message, input: I, context: CommandContext, chat: Chat) => void,
  ): Handler<AppEnv> {
    return async (c) => {
      const { tenantId } = c.get('scope');
      const input = await inputOf(c);
      const context = commandContext(c);
      // Reactions ask the chat who participates; loading it also 404s an unknown chat first.
      const chat = await repositories.chats(tenantId).load(c.req.param('chatId')!);
      const messages = repositories.messages(tenantId);
      const messageId = c.req.param('messageId')!;
      const message = await runCommand(
        messages,
        messageId,
        c.req.header('if-match'),
        (aggregate) => {
          // The URL names the chat too: a message of another chat is not found here.
          if (aggregate.chatId !== chat.id) {
            throw new AggregateNotFoundError('Message', messageId, messages.streamIdOf(messageId));
          }
          run(aggregate, input, context, chat);
        },
        writeContext(c),
      );
      return c.json({ message: messageView(message) }, 200, { ETag: etag(message.version) });
    };
  }

  routes.post('/', async (c) => {
    refuseIfMatch(c.req.header('if-match'));
    const { tenantId } = c.get('scope');
    const input = await readPost(c);
    const chat = await repositories.chats(tenantId).load(c.req.param('chatId')!);
    const message = Message.post(randomUUID(), chat, input, commandContext(c));
    await repositories.messages(tenantId).save(message, writeContext(c));
    return c.json({ message: messageView(message) }, 201, {
      ETag: etag(message.version),
      Location: `/chats/${chat.id}/messages/${message.id}`,
    });
  });

  routes.patch(
    '/:messageId',
    command(body(EditMessageInput), (m, input, ctx) => m.edit(input, ctx)),
  );
  routes.delete(
    '/:messageId',
    command(noInput, (m, _input, ctx) => m.delete(ctx)),
  );
  routes.post(
    '/:messageId/reactions',
    command(body(AddReactionInput), (m, input, ctx, chat) => m.addReaction(chat, input, ctx)),
  );
  routes.delete(
    '/:messageId/reactions/:emoji',
    command(
      (c) => ({ emoji: c.req.param('emoji')! }),
      (m, input, ctx) => m.removeReaction(input, ctx),
    ),
  );

  return routes;
}

const readPost = body(PostMessageInput);
