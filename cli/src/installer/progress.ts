import { log, spinner } from "@clack/prompts";
import { color } from "../ui/color.js";

/** How the installer reports progress: a spinner naming the step on a TTY, plain lines otherwise. */
export interface Progress {
  /** Starts a step; returns its handle. */
  start(message: string): { update(message: string): void; done(message?: string): void; fail(message?: string): void };
  info(message: string): void;
  warn(message: string): void;
  /** One line of a `--dry-run` plan. */
  plan(line: string): void;
}

/**
 * Picks the reporter: interactive spinner (TTY, not --json), plain lines (pipes, CI), or
 * stderr-only lines under --json so stdout stays machine-readable.
 *
 * @example
 * const p = createProgress({ json: false });
 * const s = p.start("creating namespaces"); s.done("7 namespaces ready");
 */
export function createProgress(opts: { json?: boolean; quiet?: boolean }): Progress {
  const interactive = !opts.json && Boolean(process.stdout.isTTY) && !process.env.CI;
  const out = (line: string) => {
    if (opts.quiet) return;
    if (opts.json) process.stderr.write(`${line}\n`);
    else process.stdout.write(`${line}\n`);
  };
  if (interactive) {
    return {
      start(message) {
        const s = spinner();
        s.start(message);
        return { update: (m) => s.message(m), done: (m) => s.stop(m ?? message), fail: (m) => s.error(m ?? message) };
      },
      info: (m) => log.info(m),
      warn: (m) => log.warn(m),
      plan: (l) => log.step(l),
    };
  }
  return {
    start(message) {
      return {
        update: () => {},
        done: (m) => out(`${color.green("✔")} ${m ?? message}`),
        fail: (m) => out(`${color.red("✖")} ${m ?? message}`),
      };
    },
    info: (m) => out(`${color.cyan("i")} ${m}`),
    warn: (m) => out(`${color.yellow("!")} ${m}`),
    plan: (l) => out(`  ${l}`),
  };
}
