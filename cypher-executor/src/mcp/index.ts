/**
 * The MCP server (Model Context Protocol) at `/mcp`: AI agents list components, validate, deploy and run
 * workflows and read executions, as the caller's API key, through the same REST routes as every other
 * client. Streamable HTTP, stateless (one server per request, JSON answers), so it runs the same on
 * Cloudflare, `acr serve` and `acr dev`; `acr mcp` bridges stdio to it for desktop agents.
 * Tools and safety rules: docs/mcp.md.
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { presentedKey, requireApiKey } from "../auth/middleware";
import { log, requestId, tenantTag } from "../observability/log";
import { inProcessApi } from "./api";
import { LIBRARY } from "./library.generated";
import { takeToolCalls } from "./rate-limit";
import { createMcpServer } from "./server";

/** Key roles that may change things; any other role gets the read-only tools. */
const WRITE_ROLES: ReadonlySet<string> = new Set(["admin", "user"]);

/** Largest JSON-RPC request accepted (a workflow YAML is at most 512 KiB). */
const MAX_BODY_BYTES = 1024 * 1024;

type Message = { jsonrpc?: string; id?: unknown; method?: string; params?: { name?: unknown } };

function rpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code, message } }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/**
 * Mounts `POST /mcp` on the app.
 *
 * @example
 * registerMcp(app);
 */
export function registerMcp(app: Hono<AppEnv>): void {
  app.use("/mcp", requireApiKey());
  // No server-initiated stream: stateless servers answer every request in its own response.
  app.on(["GET", "DELETE"], "/mcp", () =>
    rpcError(405, -32000, "This MCP server is stateless: send JSON-RPC requests with POST"),
  );
  app.post("/mcp", async (c) => {
    const tenant = c.get("tenant");
    const started = Date.now();
    const text = await c.req.text();
    if (text.length > MAX_BODY_BYTES) return rpcError(413, -32600, `Request larger than ${MAX_BODY_BYTES} bytes`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return rpcError(400, -32700, "Parse error: the body is not JSON");
    }
    const messages = (Array.isArray(parsed) ? parsed : [parsed]) as Message[];
    const tools = messages.filter((m) => m?.method === "tools/call").map((m) => String(m.params?.name ?? "?"));
    if (tools.length > 0) {
      const wait = takeToolCalls(tenant.keyHash, tools.length);
      if (wait > 0) {
        return rpcError(429, -32000, `Too many tool calls for this API key: retry in ${wait} s`, {
          "retry-after": String(wait),
        });
      }
    }

    const authorization = `Bearer ${presentedKey(c.req.raw)}`;
    const api = inProcessApi(
      async (req) => app.fetch(req, c.env, c.executionCtx),
      authorization,
      (p) => c.executionCtx.waitUntil(p),
    );
    const server = createMcpServer(api, LIBRARY, { canWrite: WRITE_ROLES.has(tenant.role) });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    const res = await transport.handleRequest(c.req.raw, { parsedBody: parsed });
    // The audit line: who (the key's hash, never the key), which tool, how it ended. Never arguments.
    const ctx = { request_id: requestId(c.req.raw), tenant: tenantTag(tenant.keyHash) };
    for (const tool of tools) log("info", "mcp.tool_call", ctx, { tool, status: res.status, ms: Date.now() - started });
    return res;
  });
}
