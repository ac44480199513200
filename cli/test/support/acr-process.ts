import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { startedJson } from "../../src/commands/start-output.js";
import type { KvMigration } from "../../src/platform/serve/kv-migration.js";

/** The built CLI, as a user runs it. */
export const acrBin = join(import.meta.dirname, "..", "..", "dist", "bin.js");

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/**
 * A long-running `acr` command (`dev`, `serve`) in a child process, with its output collected.
 *
 * @example
 * const acr = AcrProcess.spawn(["--json", "dev", "--port", "8799"], cwd);
 * const started = await acr.waitFor((out) => out.split("\n").find((l) => l.startsWith("{")));
 * await acr.stop("SIGINT");
 */
export class AcrProcess {
  out = "";
  err = "";

  private constructor(readonly child: ChildProcess) {
    child.stdout?.on("data", (d) => {
      this.out += d;
    });
    child.stderr?.on("data", (d) => {
      this.err += d;
    });
  }

  /** `ownGroup`: the command leads its own process group, as a shell's foreground job does (see `stopGroup`). */
  static spawn(
    args: string[],
    cwd: string,
    env: NodeJS.ProcessEnv = {},
    opts: { ownGroup?: boolean } = {},
  ): AcrProcess {
    const child = spawn(process.execPath, [acrBin, ...args], {
      cwd,
      detached: opts.ownGroup ?? false,
      // Empty ARCRUN_* means unset: the command must not pick up the developer's own platform.
      env: {
        ...process.env,
        ARCRUN_URL: "",
        ARCRUN_API_KEY: "",
        NO_COLOR: "1",
        WRANGLER_SEND_METRICS: "false",
        // Platform key files beside the test's folder, not in the developer's ~/.arcrun/keys.
        ARCRUN_KEYS_DIR: join(cwd, ".arcrun-keys"),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return new AcrProcess(child);
  }

  /** Polls the output until `found` returns a value; fails if the command exits or the time runs out. */
  async waitFor<T>(found: (out: string) => T | undefined, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const value = found(this.out);
      if (value !== undefined) return value;
      if (this.child.exitCode !== null) throw new Error(`acr exited ${this.child.exitCode}: ${this.err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`acr did not get ready in ${timeoutMs} ms: ${this.err}`);
  }

  /** The first JSON line the command printed (`--json` start-up output), parsed. */
  waitForJson<T>(timeoutMs?: number): Promise<T> {
    return this.waitFor((out) => {
      const line = out.split("\n").find((l) => l.startsWith("{"));
      return line ? (JSON.parse(line) as T) : undefined;
    }, timeoutMs);
  }

  /**
   * Sends `signal` to the command's whole process group, as a terminal's Ctrl-C does (spawned with `ownGroup`),
   * and resolves with the exit code.
   */
  stopGroup(signal: NodeJS.Signals = "SIGINT"): Promise<number | null> {
    const c = this.child;
    if (c.exitCode !== null) return Promise.resolve(c.exitCode);
    return new Promise((resolve) => {
      c.on("exit", (code) => resolve(code));
      process.kill(-(c.pid ?? 0), signal);
    });
  }

  /** Sends `signal` and resolves with the exit code (null when killed by the signal). */
  stop(signal: NodeJS.Signals = "SIGINT"): Promise<number | null> {
    const c = this.child;
    if (c.exitCode !== null) return Promise.resolve(c.exitCode);
    return new Promise((resolve) => {
      c.on("exit", (code) => resolve(code));
      c.kill(signal);
    });
  }
}

/** What a finished `acr` run printed. */
export interface AcrRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `acr` to completion in an isolated environment: only PATH, HOME = `home` and ARCRUN_HOME under it,
 * so nothing of the developer's own config leaks in; `input` goes to stdin (secrets as a user pipes them).
 *
 * @example
 * const r = await runAcr(["validate", "x.yaml", "--offline"], { home });
 */
export function runAcr(
  args: string[],
  opts: { home: string; cwd?: string; env?: Record<string, string>; input?: string },
): Promise<AcrRun> {
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: opts.home,
    ARCRUN_HOME: join(opts.home, "cfg"),
    WRANGLER_SEND_METRICS: "false",
    NO_COLOR: "1",
    ...opts.env,
  };
  return runToEnd(process.execPath, [acrBin, ...args], { cwd: opts.cwd ?? opts.home, env, input: opts.input });
}

/**
 * Runs any command to completion, collecting its exit code and output; `input` goes to stdin.
 *
 * @example
 * const r = await runToEnd("/tmp/prefix/bin/acr", ["--version"], { cwd, env });
 */
export function runToEnd(
  command: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string },
): Promise<AcrRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? "");
  });
}

/** Whether `pid` is running, not a zombie (an orphan's exit is reaped by whatever is PID 1, maybe never). Linux. */
export function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/**
 * The `--json` line `acr dev` and `acr serve` print once started (cli/src/commands/start-output.ts): the API key in
 * full on the start that created it (later starts give `apiKeyPrefix` instead), workerd's pid, and what was
 * migrated from an older state folder, if anything.
 */
export type StartLine = Omit<ReturnType<typeof startedJson>, "apiKey" | "apiKeyPrefix"> & {
  apiKey: string;
  apiKeyPrefix?: string;
  pid: number;
  migrated?: KvMigration;
};
