/**
 * Checks by brand rather than `instanceof`, so an error thrown by one copy of this package is
 * recognised by another (two versions in node_modules, ESM next to CJS).
 */
const BRAND = Symbol.for('@flowra/domain/error');

type ErrorClass = abstract new (...args: any[]) => DomainError;

/** The base of every error the domain throws on purpose: a broken rule or a malformed input. */
export abstract class DomainError extends Error {
  /** Stable and machine-readable, so an API can map it to a status code without parsing text. */
  readonly code: string;

  constructor(name: string, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, 'name', { value: name, enumerable: false, configurable: true });
    Object.defineProperty(this, BRAND, { value: code, enumerable: false });
    this.code = code;
  }

  /**
   * `DomainError.isInstance(x)` accepts any domain error, `NotParticipantError.isInstance(x)` only
   * that kind: subclasses declare a static `code`, which is what the brand holds.
   */
  static isInstance<C extends ErrorClass>(this: C, value: unknown): value is InstanceType<C> {
    if (typeof value !== 'object' || value === null) return false;
    const brand = (value as { [BRAND]?: unknown })[BRAND];
    if (typeof brand !== 'string') return false;
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass the check was called on
    const code = (this as unknown as { code?: unknown }).code;
    return typeof code !== 'string' || brand === code;
  }
}
