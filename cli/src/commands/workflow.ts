import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { parse } from "yaml";
import { ApiCallError, ApiClient } from "../api/client.js";
import { projectRoot } from "../platform/paths.js";
import { color } from "../ui/color.js";
import { UserError } from "../ui/errors.js";
import { confirmExposure, type ExposureReview } from "./recipe.js";
import { requireConfig } from "./whoami.js";

interface Diagnostic {
  code: string;
  message: string;
  path?: string;
  pos?: { line: number; column: number };
}

interface Deployed {
  name: string;
  version: number;
  description?: string;
  cron?: string;
  webhook_auth: string;
}

/** The workflow's name: its `name:` line (the platform checks it matches). */
export function workflowNameOf(source: string, file: string): string {
  const m = /^name:\s*["']?([a-z0-9_-]{1,64})["']?\s*(#.*)?$/m.exec(source);
  if (!m?.[1])
    throw new UserError(`${file}: no \`name:\` line found`, "Add `name: my_workflow` at the top of the file");
  return m[1];
}

/**
 * Deploys one workflow file; a rejected YAML prints every diagnostic as `file:line:column`.
 *
 * @example
 * await deployWorkflow(api, "examples/hello.yaml");
 */
export async function deployWorkflow(
  api: ApiClient,
  file: string,
  opts: { confirmExposure?: boolean; interactive?: boolean; print?: (line: string) => void } = {},
): Promise<Deployed> {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch {
    throw new UserError(`Cannot read ${file}`, "Check the path");
  }
  const name = workflowNameOf(source, file);
  const put = (headers: Record<string, string> = {}) =>
    api.request<Deployed>("PUT", `/v1/workflows/${encodeURIComponent(name)}`, source, {
      contentType: "application/yaml",
      headers,
    });
  try {
    try {
      return await put();
    } catch (err) {
      // Data leaving for third-party hosts: show the review, get a human's consent, send it along.
      if (!(err instanceof ApiCallError && err.code === "EXPOSURE_CONSENT_REQUIRED")) throw err;
      const review = (err.body as { error: { review: ExposureReview } }).error.review;
      const consent = await confirmExposure(review, name, {
        flag: opts.confirmExposure,
        interactive: opts.interactive ?? process.stdin.isTTY === true,
        ...(opts.print ? { print: opts.print } : {}),
      });
      return await put({ "x-arcrun-exposure-consent": JSON.stringify(consent) });
    }
  } catch (err) {
    if (err instanceof ApiCallError && err.code === "WORKFLOW_INVALID") {
      const diags = ((err.body as { error?: { diagnostics?: Diagnostic[] } })?.error?.diagnostics ?? []).map(
        (d) => `  ${file}:${d.pos ? `${d.pos.line}:${d.pos.column}` : "?"}  ${d.code}  ${d.message}`,
      );
      throw new UserError(`${file} is not a valid workflow (${diags.length} error(s)):\n${diags.join("\n")}`);
    }
    throw err;
  }
}

function deployAction(program: Command) {
  return async (files: string[], o: { confirmExposure?: boolean }) => {
    const api = new ApiClient(requireConfig());
    const out: Deployed[] = [];
    for (const file of files) out.push(await deployWorkflow(api, file, { confirmExposure: o.confirmExposure }));
    if (program.opts().json) console.log(JSON.stringify(out.length === 1 ? out[0] : out));
    else
      for (const d of out)
        console.log(
          `${color.green("✓")} deployed ${color.bold(d.name)} v${d.version}${d.cron ? `  (cron ${d.cron})` : ""}`,
        );
  };
}

/** `acr workflow deploy|list|show|rm` and `acr push` (alias of deploy). */
export function registerWorkflow(program: Command): void {
  const wf = program
    .command("workflow")
    .alias("workflows")
    .description("Deploy and manage workflows (YAML)")
    .addHelpText("after", "\nExamples:\n  $ acr workflow deploy examples/hello.yaml\n  $ acr workflow list\n");

  wf.command("deploy <files...>")
    .description("Validate and deploy workflow files (each deploy is a new version)")
    .option("--confirm-exposure", "accept the data-exposure review of recipes the workflow uses")
    .action(deployAction(program));

  program
    .command("push <files...>")
    .description("Deploy workflow files (same as `acr workflow deploy`)")
    .option("--confirm-exposure", "accept the data-exposure review of recipes the workflow uses")
    .action(deployAction(program));

  wf.command("list")
    .alias("ls")
    .description("List your workflows")
    .action(async () => {
      const api = new ApiClient(requireConfig());
      const { workflows } = await api.request<{
        workflows: Array<{ name: string; version: number; description?: string; cron?: string; updated_at: string }>;
      }>("GET", "/v1/workflows");
      if (program.opts().json) return console.log(JSON.stringify(workflows));
      if (workflows.length === 0) return console.log("no workflows yet: acr workflow deploy <file.yaml>");
      const width = Math.max(...workflows.map((w) => w.name.length));
      for (const w of workflows) {
        console.log(
          `${w.name.padEnd(width)}  v${String(w.version).padEnd(3)} ${color.dim(w.updated_at)}  ${w.cron ? `cron ${w.cron}  ` : ""}${w.description ?? ""}`,
        );
      }
    });

  wf.command("show <name>")
    .description("Print a workflow's YAML (current version, or --version n)")
    .option("--version <n>", "a stored version")
    .action(async (name: string, o: { version?: string }) => {
      const api = new ApiClient(requireConfig());
      const q = o.version ? `?version=${encodeURIComponent(o.version)}` : "";
      const wf = await api.request<{ source: string; version: number }>(
        "GET",
        `/v1/workflows/${encodeURIComponent(name)}${q}`,
      );
      if (program.opts().json) console.log(JSON.stringify(wf));
      else process.stdout.write(wf.source.endsWith("\n") ? wf.source : `${wf.source}\n`);
    });

  wf.command("rm <name>")
    .alias("delete")
    .description("Delete a workflow and all its versions")
    .action(async (name: string) => {
      const api = new ApiClient(requireConfig());
      const r = await api.request("DELETE", `/v1/workflows/${encodeURIComponent(name)}`);
      if (program.opts().json) console.log(JSON.stringify(r));
      else console.log(`${color.green("✓")} deleted ${name}`);
    });
}

/**
 * Deploys every `examples/*.yaml` of the project whose workflow does not exist yet (so a restart never
 * bumps versions or overwrites edits). Examples naming components not built here are skipped, and so are
 * cron-triggered ones (a newcomer's history would fill with heartbeats; deploy them by hand) and `skip`
 * (examples seeded before and since deleted: they do not come back).
 *
 * @example
 * const seeded = await seedExamples(new ApiClient(dev));
 */
export async function seedExamples(
  api: ApiClient,
  dir = join(projectRoot(), "examples"),
  skip: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const { workflows } = await api.request<{ workflows: Array<{ name: string }> }>("GET", "/v1/workflows");
  const have = new Set(workflows.map((w) => w.name));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort();
  // hello first: other examples (subflow) call it.
  files.sort((a, b) => Number(b === "hello.yaml") - Number(a === "hello.yaml"));
  const seeded: string[] = [];
  for (const f of files) {
    const file = join(dir, f);
    const source = readFileSync(file, "utf8");
    const name = workflowNameOf(source, file);
    if (have.has(name) || skip.has(name) || isCronTriggered(source)) continue;
    try {
      // Seeding never asks: an example that sends data to a host computed at run time (http-status) needs a
      // human's consent, so it is left for `acr push examples/<name>.yaml`, quietly.
      await deployWorkflow(api, file, { interactive: false, print: () => {} });
      seeded.push(name);
    } catch {
      // An example for a component this build lacks stays undeployed; `acr workflow deploy` shows why.
    }
  }
  return seeded;
}

function isCronTriggered(source: string): boolean {
  try {
    const doc = parse(source) as { trigger?: { cron?: unknown } } | null;
    return Boolean(doc?.trigger?.cron);
  } catch {
    return false;
  }
}
