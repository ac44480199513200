import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { ApiClient } from "../api/client.js";
import { color } from "../ui/color.js";
import { EXIT, UserError } from "../ui/errors.js";
import { type ExecutionView, printTimeline } from "./executions.js";
import { requireConfig } from "./whoami.js";

/**
 * Builds the input from `--input` values: `{"json":1}`, `@file.json`, or `k=v` pairs (values parsed
 * as JSON when they are JSON, else kept as text). Several are merged left to right.
 *
 * @example
 * parseInputArgs(["name=Ada", "age=36"]) // { name: "Ada", age: 36 }
 */
export function parseInputArgs(args: string[]): unknown {
  let out: unknown = {};
  for (const a of args) {
    let part: unknown;
    if (a.startsWith("@")) {
      let text: string;
      try {
        text = readFileSync(a.slice(1), "utf8");
      } catch {
        throw new UserError(`Cannot read ${a.slice(1)}`, "Check the path after @");
      }
      part = parseJson(text, a.slice(1));
    } else if (/^\s*[[{]/.test(a)) {
      part = parseJson(a, "--input");
    } else {
      const eq = a.indexOf("=");
      if (eq <= 0) throw new UserError(`Bad --input "${a}"`, "Use JSON, @file.json or key=value", EXIT.usage);
      const raw = a.slice(eq + 1);
      let value: unknown = raw;
      try {
        value = JSON.parse(raw);
      } catch {
        // Plain text value.
      }
      part = { [a.slice(0, eq)]: value };
    }
    out = isObject(out) && isObject(part) ? { ...out, ...part } : part;
  }
  return out;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${where} is not valid JSON: ${(err as Error).message}`, undefined, EXIT.usage);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `acr run <name> [--input …]`: prints the output; exit 1 when the execution failed. */
export function registerRun(program: Command): void {
  program
    .command("run <name>")
    .description("Run a deployed workflow and print its output (exit 1 if it failed)")
    .option("-i, --input <value...>", "input: JSON, @file.json, or key=value (repeatable)")
    .option("--timeline", "also print the per-node timeline")
    .addHelpText(
      "after",
      "\nExamples:\n  $ acr run hello --input name=Ada\n  $ acr run hello --input @order.json --json\n",
    )
    .action(async (name: string, o: { input?: string[]; timeline?: boolean }) => {
      const input = parseInputArgs(o.input ?? []);
      const api = new ApiClient(requireConfig());
      const r = await api.request<ExecutionView & { output: unknown; execution_id: string }>(
        "POST",
        `/v1/workflows/${encodeURIComponent(name)}/runs`,
        input,
      );
      if (program.opts().json) console.log(JSON.stringify(r));
      else {
        if (o.timeline || r.status !== "succeeded") printTimeline({ ...r, id: r.execution_id });
        if (r.status === "succeeded") console.log(JSON.stringify(r.output, null, 2));
        else if (r.status === "waiting") console.log(color.yellow(`waiting: execution ${r.execution_id} is parked`));
        else console.error(color.red(`failed at ${r.error?.node ?? "?"}: ${r.error?.code} ${r.error?.message ?? ""}`));
      }
      if (r.status === "failed") process.exitCode = EXIT.failure;
    });
}
