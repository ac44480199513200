import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { Command } from "commander";
import { requireConfig } from "./whoami.js";

/**
 * Bridges an MCP client on stdio (a desktop agent) to the configured platform's `/mcp` endpoint, with the
 * configured API key. The tools run on the platform: there is one MCP server, and this only carries its
 * messages, so the stdio and HTTP transports cannot drift apart. Nothing but protocol goes to stdout.
 *
 * @example
 * await bridgeStdioToPlatform({ url: "http://127.0.0.1:8787", apiKey: "acr_…" });
 */
export async function bridgeStdioToPlatform(cfg: { url: string; apiKey: string }): Promise<void> {
  const endpoint = new URL(`${cfg.url}/mcp`);
  const upstream = new StreamableHTTPClientTransport(endpoint, {
    requestInit: { headers: { authorization: `Bearer ${cfg.apiKey}` } },
  });
  const local = new StdioServerTransport();

  local.onmessage = (msg: JSONRPCMessage) => {
    upstream.send(msg).catch((err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      console.error(`acr mcp: ${endpoint.href}: ${reason}`);
      // A request that could not be delivered still gets an answer, so the agent is not left waiting.
      if ("id" in msg && "method" in msg) {
        void local.send({
          jsonrpc: "2.0",
          id: msg.id,
          error: { code: -32000, message: `arcrun platform at ${cfg.url} did not answer: ${reason}` },
        });
      }
    });
  };
  upstream.onmessage = (msg) => {
    void local.send(msg);
  };
  upstream.onerror = (err) => console.error(`acr mcp: ${err.message}`);
  const closed = new Promise<void>((resolve) => {
    local.onclose = () => {
      void upstream.close();
      resolve();
    };
  });
  // The agent closing our stdin ends the session (the SDK's transport does not watch for it).
  process.stdin.once("end", () => void local.close());
  await upstream.start();
  await local.start();
  await closed;
}

export function registerMcp(program: Command): void {
  program
    .command("mcp")
    .description("Serve arcrun's MCP tools on stdio for a desktop AI agent, through the configured platform")
    .addHelpText(
      "after",
      '\nClaude Desktop (claude_desktop_config.json):\n  { "mcpServers": { "arcrun": { "command": "npx", "args": ["acr", "mcp"], "cwd": "/path/to/project" } } }\n\nSee docs/mcp.md.\n',
    )
    .action(async () => {
      const cfg = requireConfig();
      console.error(`acr mcp: serving ${cfg.url}/mcp on stdio`);
      await bridgeStdioToPlatform(cfg);
    });
}
