/** The texts the MCP server offers as resources, bundled at build time (`library.generated.ts`). */
export interface Library {
  /** docs/workflow-format.md */
  format: string;
  /** Each built-in component: its README and the input of its first test case. */
  components: Record<string, { readme: string; example?: unknown }>;
  /** examples/*.yaml with their sample input, by file name. */
  examples: Record<string, { yaml: string; input?: unknown }>;
}
