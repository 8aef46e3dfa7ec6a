// Globals that dependencies' own declarations name, which a project without Node's types or the
// DOM library must declare for their sake. Nothing of ours needs them: zod names `URL`;
// @opentelemetry/api 1.9.1 names `console.log` in its diagnostic logger's types.
declare class URL {
  href: string;
}
declare var console: { log(...data: unknown[]): void };
