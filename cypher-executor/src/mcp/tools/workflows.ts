import { z } from "@hono/zod-openapi";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ApiCall } from "../api";
import { apiError } from "../api";
import { hintFor } from "./hints";
import { apiFailure, toolError, toolResult } from "./result";

interface Diagnostic {
  code: string;
  message: string;
  path?: string;
  pos?: { line: number; column: number };
}

const YAML = z
  .string()
  .min(1)
  .max(512 * 1024)
  .describe("The whole workflow YAML");
const NAME = z
  .string()
  .regex(/^[a-z0-9_-]{1,64}$/)
  .describe("Workflow name ([a-z0-9_-], at most 64)");

/** Diagnostics with their position flattened and a fix hint, the form agents act on best. */
function withHints(diags: Diagnostic[]) {
  return diags.map((d) => ({
    code: d.code,
    message: d.message,
    ...(d.pos ? { line: d.pos.line, column: d.pos.column } : {}),
    ...(d.path ? { path: d.path } : {}),
    hint: hintFor(d.code),
  }));
}

/** The `name:` of a workflow source, read the way `acr push` reads it. */
function nameOf(yaml: string): string | null {
  return /^name:\s*["']?([a-z0-9_-]{1,64})["']?\s*(?:#.*)?$/m.exec(yaml)?.[1] ?? null;
}

/** Workflow tools: validate, deploy (never with consent), list, get. */
export function registerWorkflowTools(server: McpServer, api: ApiCall, opts: { canWrite: boolean }): void {
  server.registerTool(
    "validate_workflow",
    {
      title: "Validate a workflow",
      description:
        "Checks a workflow YAML without storing it. Returns every error and warning with its line, column and a fix hint, and the compiled graph when valid.",
      inputSchema: { yaml: YAML },
      annotations: { readOnlyHint: true },
    },
    async ({ yaml }) => {
      const r = await api("POST", "/validate", { yaml });
      if (r.status !== 200) return apiFailure("validate_workflow", r);
      const v = r.body as { valid: boolean; errors: Diagnostic[]; warnings: Diagnostic[]; graph?: unknown };
      const errors = withHints(v.errors);
      const first = errors[0];
      const summary = v.valid
        ? `valid (${v.warnings.length} warning(s))`
        : `invalid: ${errors.length} error(s); first at ${first?.line ?? "?"}:${first?.column ?? "?"} ${first?.code}: ${first?.message}`;
      return toolResult(summary, {
        valid: v.valid,
        errors,
        warnings: withHints(v.warnings),
        ...(v.graph ? { graph: v.graph } : {}),
      });
    },
  );

  server.registerTool(
    "list_workflows",
    {
      title: "List workflows",
      description: "The caller's deployed workflows: name, current version, description, cron.",
      annotations: { readOnlyHint: true },
    },
    async () => {
      const r = await api("GET", "/v1/workflows");
      if (r.status !== 200) return apiFailure("list_workflows", r);
      const workflows = (r.body as { workflows: { name: string }[] }).workflows;
      return toolResult(`${workflows.length} workflows`, { workflows });
    },
  );

  server.registerTool(
    "get_workflow",
    {
      title: "Get a workflow",
      description: "A deployed workflow with its YAML source: the current version, or `version`.",
      inputSchema: { name: NAME, version: z.number().int().positive().optional() },
      annotations: { readOnlyHint: true },
    },
    async ({ name, version }) => {
      const r = await api("GET", `/v1/workflows/${name}${version ? `?version=${version}` : ""}`);
      if (r.status !== 200) return apiFailure("get_workflow", r);
      return toolResult(`workflow ${name}`, r.body as Record<string, unknown>);
    },
  );

  if (!opts.canWrite) return;
  server.registerTool(
    "deploy_workflow",
    {
      title: "Deploy a workflow",
      description:
        "Validates and stores a workflow as a new version. A workflow that sends data to third-party hosts needs a human's consent: then nothing is stored and the answer holds the review (destinations, findings) and the command a human runs to confirm. An agent cannot give that consent.",
      inputSchema: { yaml: YAML, name: NAME.optional().describe("Defaults to the YAML's `name:`") },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    async ({ yaml, name }) => {
      const target = name ?? nameOf(yaml);
      if (!target) return toolError("MISSING_FIELD", "No `name:` in the YAML and no `name` argument");
      const r = await api("PUT", `/v1/workflows/${target}`, { yaml });
      if (r.status === 200 || r.status === 201) {
        const meta = r.body as { version: number };
        return toolResult(`deployed ${target} as version ${meta.version}`, { deployed: true, workflow: meta });
      }
      const e = apiError(r.body);
      if (e?.code === "WORKFLOW_INVALID") {
        const diags = withHints(((e.details as { diagnostics?: Diagnostic[] })?.diagnostics ?? []) as Diagnostic[]);
        return toolResult(`not deployed: ${diags.length} error(s)`, { deployed: false, errors: diags }, true);
      }
      if (e?.code === "EXPOSURE_CONSENT_REQUIRED") {
        const review = (e.details as { review?: unknown })?.review;
        return toolResult(
          `not deployed: ${target} sends data to third-party hosts and needs a human's consent. Ask the human to review and run: acr push ${target}.yaml (or deploy it from the console)`,
          {
            deployed: false,
            consent_required: true,
            review,
            human_action: {
              command: `acr push ${target}.yaml`,
              explanation:
                "The human saves this YAML as the file named, runs the command, reads the review and types the workflow's name to confirm. Agents cannot consent.",
            },
          },
          true,
        );
      }
      return apiFailure("deploy_workflow", r);
    },
  );
}
