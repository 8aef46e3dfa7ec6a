// zod's own declarations name `URL`; a project without Node's types or the DOM library must
// declare it for zod's sake. Nothing of ours needs it.
declare class URL {
  href: string;
}
