/**
 * ANSI colours only on a TTY, and never when NO_COLOR is set (https://no-color.org).
 *
 * @example
 * console.log(color.green("ok"));
 */
const enabled = (stream: NodeJS.WriteStream = process.stdout): boolean =>
  Boolean(stream.isTTY) && !("NO_COLOR" in process.env && process.env.NO_COLOR !== "") && process.env.TERM !== "dumb";

const wrap = (open: number, close: number) => (s: string) => (enabled() ? `\x1b[${open}m${s}\x1b[${close}m` : s);

export const color = {
  enabled,
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
};
