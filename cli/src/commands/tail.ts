import { type Command, Option } from "commander";
import { ApiClient } from "../api/client.js";
import { color } from "../ui/color.js";
import { EXIT, UserError } from "../ui/errors.js";
import { EXECUTION_STATUSES, type ExecutionView, printTimeline } from "./executions.js";
import { follow } from "./tail-follow.js";
import { requireConfig } from "./whoami.js";

export type Record = ExecutionView & { id: string; updated_at: string; nodes: ExecutionView["nodes"] };

/** Prints each step's output or error under the timeline: what `acr logs` adds to `acr execution`. */
function printSteps(e: Record): void {
  printTimeline(e);
  for (const [id, n] of Object.entries(e.nodes as Record["nodes"] & { [k: string]: { data?: unknown } })) {
    const data = (n as { data?: unknown }).data;
    if (data === undefined) continue;
    const text = JSON.stringify(data);
    console.log(color.dim(`    ${id} → ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`));
  }
}

/**
 * `acr tail` (streams `GET /v1/tail` where the platform can, polls it elsewhere; Ctrl-C stops) and
 * `acr logs <execution>`.
 *
 * @example
 * registerTail(program); // acr tail --workflow hello --status failed
 */
export function registerTail(program: Command): void {
  program
    .command("tail")
    .description("Follow executions live: each run's steps as it is recorded (Ctrl-C stops)")
    .option("--workflow <name>", "only this workflow")
    .addOption(new Option("--status <status>", "only this status").choices(EXECUTION_STATUSES))
    .option("--interval <seconds>", "seconds between polls where the platform does not stream (one KV list each)", "2")
    .option("--once", "print what is new and exit (scripts, tests)")
    .option("--since <iso>", "start from this time instead of now")
    .addHelpText("after", "\nExample:\n  $ acr tail --workflow hello\n  $ acr tail --status failed --json\n")
    .action(async (o: { workflow?: string; status?: string; interval: string; once?: boolean; since?: string }) => {
      const interval = Number(o.interval);
      if (!Number.isFinite(interval) || interval < 0.5) {
        throw new UserError(
          `--interval ${o.interval} is not a number of seconds ≥ 0.5`,
          "e.g. --interval 5",
          EXIT.usage,
        );
      }
      if (o.since && Number.isNaN(Date.parse(o.since))) {
        throw new UserError(`--since ${o.since} is not a time`, "e.g. --since 2026-12-05T10:00:00Z", EXIT.usage);
      }
      const api = new ApiClient(requireConfig());
      const json = Boolean(program.opts().json);
      const seen = new Map<string, string>();
      const show = (e: Record) => {
        if (seen.get(e.id) === `${e.updated_at}:${e.status}`) return;
        seen.set(e.id, `${e.updated_at}:${e.status}`);
        if (json) console.log(JSON.stringify(e));
        else printSteps(e);
      };
      await follow(api, { ...o, interval }, show);
    });

  program
    .command("logs <execution>")
    .description("One execution's steps: status, attempts, ms, errors and each step's output")
    .action(async (id: string) => {
      const e = await new ApiClient(requireConfig()).request<Record>("GET", `/v1/executions/${encodeURIComponent(id)}`);
      if (program.opts().json) return console.log(JSON.stringify(e));
      printSteps(e);
      if (e.status === "failed") process.exitCode = 1;
    });
}
