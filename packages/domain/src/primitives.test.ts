import { describe, expect, it } from 'vitest';
import { CommandContextSchema } from './command-context.js';
import { InvalidInputError } from './errors.js';
import { DateSchema, EmojiSchema, MessageBodySchema, TitleSchema } from './primitives.js';
import { parseInput } from './validation.js';
import { isTrackedChatType } from './vocabulary.js';

describe('primitives', () => {
  it('keeps Dates and turns ISO text back into Dates', () => {
    const at = new Date('2025-03-04T05:06:07.089Z');
    expect(DateSchema.parse(at)).toBe(at);
    expect(DateSchema.parse(at.toISOString())).toEqual(at);
    expect(DateSchema.parse('2025-03-04T07:06:07.089+02:00')).toEqual(at);
    expect(DateSchema.parse('2025-03-04')).toEqual(new Date('2025-03-04T00:00:00.000Z'));
  });

  it('refuses invalid dates and non-dates', () => {
    for (const value of [new Date('nope'), 'tomorrow', 0, null, undefined]) {
      expect(DateSchema.safeParse(value).success).toBe(false);
    }
  });

  it('trims titles and refuses blank ones', () => {
    expect(TitleSchema.parse('  Launch  ')).toBe('Launch');
    expect(TitleSchema.safeParse('   ').success).toBe(false);
    expect(TitleSchema.safeParse('x'.repeat(201)).success).toBe(false);
  });

  it('keeps message bodies as written but refuses blank ones', () => {
    expect(MessageBodySchema.parse('  indented')).toBe('  indented');
    expect(MessageBodySchema.safeParse(' \n ').success).toBe(false);
  });

  it('normalises emoji so equal ones compare equal', () => {
    expect(EmojiSchema.parse(' e\u0301 ')).toBe('\u00e9');
    expect(EmojiSchema.safeParse('').success).toBe(false);
  });

  it('knows which chat types are tracked', () => {
    expect(isTrackedChatType('Discussion')).toBe(false);
    expect(isTrackedChatType('Epic')).toBe(true);
  });
});

describe('parseInput', () => {
  it('returns parsed data', () => {
    expect(parseInput(TitleSchema, ' a ')).toBe('a');
  });

  it('reports the offending field, prefixed', () => {
    try {
      parseInput(CommandContextSchema, { userId: '', at: new Date() }, 'context');
      expect.unreachable();
    } catch (error) {
      expect(InvalidInputError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ field: 'context.userId', reason: 'must not be empty' });
    }
  });

  it('names the input itself when the root value is wrong', () => {
    expect(() => parseInput(TitleSchema, 42)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', field: 'input' }),
    );
  });
});
