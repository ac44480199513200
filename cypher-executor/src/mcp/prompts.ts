import { z } from "@hono/zod-openapi";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";

/** Prompts: build a workflow from a description, debug a failed execution. */
export function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    "build_workflow",
    {
      title: "Build a workflow from a description",
      description: "Guides the agent from a plain-language description to a validated, deployed, tested workflow",
      argsSchema: { description: z.string().describe("What the workflow should do") },
    },
    ({ description }) => ({
      messages: [
        {
          role: "user",
          content: {
            type: "text",
            text: [
              `Build an arcrun workflow that does this: ${description}`,
              "",
              "1. Read the resource arcrun://docs/workflow-format and one example (arcrun://examples/hello).",
              "2. Call list_components (and list_recipes for third-party services) to choose the steps.",
              '3. Write the YAML: `name:`, `flow:` edges like "input >> ON_SUCCESS >> step", `config:` per node.',
              "   Secrets are never written in the YAML: reference {{ credential.NAME }} (list_credentials shows names).",
              "4. Call validate_workflow and fix every error at its line and column until it is valid.",
              "5. Call deploy_workflow. If it answers consent_required, stop and show the human the review and the",
              "   command to run: you cannot give that consent.",
              "6. Call run_workflow with a sample input and check the output with get_execution.",
            ].join("\n"),
          },
        },
      ],
    }),
  );

  server.registerPrompt(
    "debug_execution",
    {
      title: "Debug a failed execution",
      description: "Guides the agent through finding why an execution failed and fixing the workflow",
      argsSchema: { execution_id: z.string().describe("The failed execution's id") },
    },
    ({ execution_id }) => ({
      messages: [
        {
          role: "user",
          content: {
            type: "text",
            text: [
              `Execution ${execution_id} did not do what I expected. Find out why and fix it.`,
              "",
              "1. Call get_execution: look at failed_nodes, each node's error (code, message), attempts and logs.",
              "2. Call get_workflow for the workflow and version it ran, and read the failing node's config.",
              "3. Check the component's input schema with get_component, and the templates feeding the node.",
              "4. Propose the corrected YAML, validate_workflow it, then deploy_workflow.",
              "5. resume_execution re-runs only what did not finish; or run_workflow again with the same input.",
            ].join("\n"),
          },
        },
      ],
    }),
  );
}
