import type { Progress } from "./progress.js";
import { type InstallState, saveState, statePath } from "./state.js";

/** What every installer step shares: the mode, the state file, and the dry-run switch. */
export class InstallContext {
  readonly stateFile: string;
  /** Every mutating call or deploy, in order: the plan under `--dry-run`, the log otherwise. */
  readonly actions: string[] = [];

  constructor(
    readonly mode: "init" | "update" | "deploy",
    readonly prefix: string,
    readonly state: InstallState,
    readonly dryRun: boolean,
    readonly progress: Progress,
  ) {
    this.stateFile = statePath(state.accountId, prefix);
  }

  /** Persists the state (never under --dry-run: a plan changes nothing). */
  save(): void {
    if (!this.dryRun) saveState(this.state);
  }

  /**
   * Runs a change, or under `--dry-run` only records it in the plan and returns undefined.
   *
   * @example
   * const id = await ctx.mutate("POST /accounts/x/storage/kv/namespaces", () => create());
   */
  async mutate<T>(description: string, run: () => Promise<T>): Promise<T | undefined> {
    this.actions.push(description);
    if (this.dryRun) {
      this.progress.plan(description);
      return undefined;
    }
    return run();
  }

  /** Whether a step finished in an earlier run (init resumes after it). */
  done(step: string): boolean {
    return this.mode === "init" && Boolean(this.state.steps[step]);
  }

  finish(step: string): void {
    if (this.dryRun) return;
    this.state.steps[step] = new Date().toISOString();
    this.save();
  }
}
