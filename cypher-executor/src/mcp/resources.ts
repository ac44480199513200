import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Library } from "./library";

/** Resources: the format reference, each component's README, the examples. */
export function registerResources(server: McpServer, library: Library): void {
  server.registerResource(
    "workflow-format",
    "arcrun://docs/workflow-format",
    {
      title: "Workflow format reference",
      description: "The workflow YAML format: flow edges, config, templates and filters, every error code",
      mimeType: "text/markdown",
    },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: "text/markdown", text: library.format }] }),
  );

  server.registerResource(
    "component-readme",
    new ResourceTemplate("arcrun://components/{name}/readme", {
      list: async () => ({
        resources: Object.keys(library.components).map((name) => ({
          uri: `arcrun://components/${name}/readme`,
          name: `${name} README`,
          mimeType: "text/markdown",
        })),
      }),
    }),
    { title: "Component README", description: "How to use one built-in component", mimeType: "text/markdown" },
    async (uri, { name }) => {
      const doc = library.components[String(name)];
      if (!doc) throw new Error(`No component named "${String(name)}"`);
      return { contents: [{ uri: uri.href, mimeType: "text/markdown", text: doc.readme }] };
    },
  );

  server.registerResource(
    "example-workflow",
    new ResourceTemplate("arcrun://examples/{name}", {
      list: async () => ({
        resources: Object.keys(library.examples).map((name) => ({
          uri: `arcrun://examples/${name}`,
          name: `example: ${name}`,
          mimeType: "application/yaml",
        })),
      }),
    }),
    {
      title: "Example workflow",
      description: "A working example workflow (YAML), with its sample input as a comment at the end",
      mimeType: "application/yaml",
    },
    async (uri, { name }) => {
      const ex = library.examples[String(name)];
      if (!ex) throw new Error(`No example named "${String(name)}"`);
      const input = ex.input === undefined ? "" : `\n# sample input: ${JSON.stringify(ex.input)}\n`;
      return { contents: [{ uri: uri.href, mimeType: "application/yaml", text: ex.yaml + input }] };
    },
  );
}
