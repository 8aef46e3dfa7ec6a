import { z } from 'zod';

export const IdSchema = z.string().min(1, 'must not be empty').max(200);

export const TitleSchema = z.string().trim().min(1, 'must not be empty').max(200);

export const DescriptionSchema = z.string().max(20_000);

// Not trimmed: leading spaces matter in code blocks and quoted text.
export const MessageBodySchema = z
  .string()
  .max(10_000)
  .refine((body) => body.trim().length > 0, 'must not be blank');

// NFC so the same emoji typed on two keyboards counts as one reaction.
export const EmojiSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64)
  .transform((emoji) => emoji.normalize('NFC'));

/**
 * A `Date`, or the ISO text a `Date` becomes in JSON (HTTP bodies, snapshots kept as text), so
 * dates survive a round trip through any store. Invalid dates are refused.
 */
export const DateSchema = z.union([
  z.date(),
  z.iso.datetime({ offset: true }).transform((value) => new Date(value)),
  z.iso.date().transform((value) => new Date(`${value}T00:00:00.000Z`)),
]);
