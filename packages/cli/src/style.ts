import { styleText } from 'node:util';

type Format = Parameters<typeof styleText>[0];
export type Paint = (text: string) => string;

export interface Styles {
  bold: Paint;
  dim: Paint;
  red: Paint;
  green: Paint;
  yellow: Paint;
  cyan: Paint;
}

/** https://no-color.org: any non-empty NO_COLOR turns colours off. */
export function colorsEnabled(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

/** Colours for one stream: only on a terminal, never with NO_COLOR, so pipes get plain text. */
export function stylesFor(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): Styles {
  const on = colorsEnabled(stream, env);
  const paint =
    (format: Format): Paint =>
    (text) =>
      on ? styleText(format, text) : text;
  return {
    bold: paint('bold'),
    dim: paint('dim'),
    red: paint('red'),
    green: paint('green'),
    yellow: paint('yellow'),
    cyan: paint('cyan'),
  };
}
