/**
 * Stands in for `ajv` and `ajv-formats` in the Worker bundle (wrangler.jsonc `alias`). The MCP SDK imports
 * Ajv statically as its default JSON Schema validator, but Ajv generates code, which Workers forbid; the
 * server is given the SDK's interpreting validator instead (mcp/server.ts), so Ajv is never constructed.
 * The alias keeps ~130 KB of dead code out of the bundle; any use fails loudly instead of silently.
 */
export default function unavailable(): never {
  throw new Error("ajv is not bundled in the arcrun executor: pass a jsonSchemaValidator");
}
