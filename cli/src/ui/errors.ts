/**
 * An error meant for the person at the terminal: one sentence, plus how to fix it.
 * `acr` prints these without a stack trace (unless `--debug`).
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/** Exit codes, documented in `acr --help`. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
