import type * as FastCheck from 'fast-check';
import { expect, it } from 'vitest';
import { collect } from '../collect.js';
import { ConcurrencyError } from '../errors.js';
import type { ExpectedVersion } from '../types.js';
import type { ContractContext } from './context.js';
import { uniqueStreamId } from './context.js';

type Expectation = 'any' | 'no_stream' | 'stream_exists' | 'exact' | 'stale' | 'ahead';

interface Step {
  stream: number;
  count: number;
  expect: Expectation;
  retry: boolean;
}

/** fast-check is loaded when this test runs, so the rest of the suite runs without it. */
async function loadFastCheck(): Promise<typeof FastCheck | undefined> {
  try {
    return await import('fast-check');
  } catch {
    return undefined;
  }
}

const stepArb = (fc: typeof FastCheck): FastCheck.Arbitrary<Step> =>
  fc.record({
    stream: fc.integer({ min: 0, max: 2 }),
    count: fc.integer({ min: 0, max: 3 }),
    expect: fc.constantFrom<Expectation>(
      'any',
      'no_stream',
      'stream_exists',
      'exact',
      'stale',
      'ahead',
    ),
    retry: fc.boolean(),
  });

/**
 * Drives the store with random appends and compares it with the simplest model that
 * obeys the contract: a list of event ids per stream and one global list.
 */
export function modelContract(ctx: ContractContext): void {
  const runs = Math.max(3, Math.round(25 * ctx.options.scale));

  it('behaves like a trivial model under random append sequences', {
    timeout: ctx.options.timeoutMs * 4,
  }, async ({ skip }) => {
    const fc = await loadFastCheck();
    if (!fc) {
      console.warn('[contract] skipped: the property test needs fast-check (npm i -D fast-check)');
      skip('the property test needs fast-check: npm i -D fast-check');
      return;
    }
    const store = await ctx.store();
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb(fc), { minLength: 1, maxLength: 12 }), async (steps) => {
        const names = [0, 1, 2].map(() => uniqueStreamId('model'));
        const model = new Map<string, string[]>(names.map((n) => [n, []]));
        const log: string[] = [];
        let firstPosition: number | undefined;
        for (const step of steps) {
          const name = names[step.stream]!;
          const current = model.get(name)!;
          const expected: ExpectedVersion =
            step.expect === 'exact'
              ? current.length
              : step.expect === 'stale'
                ? Math.max(0, current.length - 1)
                : step.expect === 'ahead'
                  ? current.length + 1
                  : step.expect;
          const ok =
            expected === 'any' ||
            (expected === 'no_stream' && current.length === 0) ||
            (expected === 'stream_exists' && current.length > 0) ||
            expected === current.length;
          const batch = Array.from({ length: step.count }, (_, i) => ({
            type: 'Model',
            data: { i },
            eventId: globalThis.crypto.randomUUID(),
          }));
          try {
            const result = await store.append(name, batch, expected);
            expect(ok).toBe(true);
            current.push(...batch.map((e) => e.eventId));
            if (batch.length > 0) {
              log.push(...batch.map((e) => e.eventId));
              firstPosition ??= result.position - batch.length + 1;
              expect(result.position).toBe(firstPosition + log.length - 1);
            }
            expect(result.nextExpectedVersion).toBe(current.length);
            if (step.retry && batch.length > 0) {
              expect(await store.append(name, batch, expected)).toEqual(result);
            }
          } catch (error) {
            if (!ConcurrencyError.isInstance(error)) throw error;
            expect(ok).toBe(false);
            expect(error.actualVersion).toBe(current.length);
          }
        }
        for (const name of names) {
          const events = await store.getEvents(name);
          expect(events.map((e) => e.eventId)).toEqual(model.get(name));
          expect(await store.getStreamVersion(name)).toBe(model.get(name)!.length);
        }
        if (firstPosition !== undefined) {
          const all = await collect(
            store.readAll({ fromPosition: firstPosition - 1, maxCount: log.length }),
          );
          expect(all.map((e) => e.eventId)).toEqual(log);
        }
      }),
      { numRuns: runs },
    );
  });
}
