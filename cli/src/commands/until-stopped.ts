/** What `acr dev` and `acr serve` keep running until a signal. */
export interface RunningPlatform {
  /** Drains the executor (requests in flight finish), then stops workerd. */
  dispose(): Promise<void>;
  /** Resolves when workerd stops on its own (a crash). */
  exited: Promise<number | null>;
}

const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Waits for Ctrl-C, SIGTERM or SIGHUP (the terminal closed), then stops the platform gracefully and resolves with
 * the exit code (0, or 1 when stopping failed or workerd crashed). A second signal while draining stops at once
 * (exit 130; workerd is killed by the platform's exit hook).
 *
 * @example
 * process.exitCode = await untilStopped(platform, { quiet: json, onStop: stopWatching });
 */
export function untilStopped(
  platform: RunningPlatform,
  opts: { quiet?: boolean; onStop?: () => void },
): Promise<number> {
  return new Promise<number>((resolveStop) => {
    let stopping = false;
    const stop = () => {
      if (stopping) {
        process.stderr.write("stopped without waiting for running executions (they resume at the next start)\n");
        process.exit(130);
      }
      stopping = true;
      if (!opts.quiet) console.log("\nstopping arcrun …");
      opts.onStop?.();
      platform.dispose().then(
        () => resolveStop(0),
        () => resolveStop(1),
      );
    };
    for (const s of SIGNALS) process.on(s, stop);
    platform.exited.then((exitCode) => {
      console.error(`error: workerd stopped unexpectedly (exit code ${exitCode}); its last lines are above`);
      resolveStop(1);
    });
  });
}
