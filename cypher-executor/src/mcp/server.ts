import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker-provider.js";
import { VERSION } from "../version";
import type { ApiCall } from "./api";
import type { Library } from "./library";
import { registerPrompts } from "./prompts";
import { registerResources } from "./resources";
import { registerCatalogTools } from "./tools/catalog";
import { registerExecutionTools } from "./tools/executions";
import { registerWorkflowTools } from "./tools/workflows";

/** Tools that change something: only keys whose role may write get them. */
export const WRITE_TOOLS = ["deploy_workflow", "run_workflow", "resume_execution"] as const;

/**
 * arcrun's MCP server for one caller: every tool goes through `api`, the REST API under the caller's key.
 *
 * @example
 * const server = createMcpServer(inProcessApi(fetcher, auth), LIBRARY, { canWrite: true });
 * await server.connect(transport);
 */
export function createMcpServer(api: ApiCall, library: Library, opts: { canWrite: boolean }): McpServer {
  const server = new McpServer(
    { name: "arcrun", version: VERSION },
    {
      capabilities: { tools: {}, resources: {}, prompts: {} },
      // Workers forbid code generation (Ajv's default); this validator interprets schemas instead.
      jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
      instructions:
        "arcrun runs workflows: YAML graphs of sandboxed components. Read arcrun://docs/workflow-format, list_components, write YAML, validate_workflow until valid, deploy_workflow, run_workflow, get_execution. Deploys that send data to third-party hosts need a human's consent, which agents cannot give.",
    },
  );
  registerCatalogTools(server, api, library);
  registerWorkflowTools(server, api, opts);
  registerExecutionTools(server, api, opts);
  registerResources(server, library);
  registerPrompts(server);
  return server;
}
