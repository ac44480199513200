import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type ApiAnswer, apiError } from "../api";

/** Largest structured result a tool returns (an agent's context is precious; records can be large). */
export const MAX_TOOL_OUTPUT_BYTES = 64 * 1024;

/**
 * A tool's answer: the structured content plus a one-line text for clients that only show text.
 * A result larger than {@link MAX_TOOL_OUTPUT_BYTES} is cut, with the size and a marker saying so.
 *
 * @example
 * return toolResult(`2 workflows`, { workflows });
 */
export function toolResult(summary: string, data: Record<string, unknown>, isError = false): CallToolResult {
  const json = JSON.stringify(data);
  const bytes = new TextEncoder().encode(json).length;
  const structured =
    bytes <= MAX_TOOL_OUTPUT_BYTES
      ? data
      : {
          truncated: true,
          size_bytes: bytes,
          limit_bytes: MAX_TOOL_OUTPUT_BYTES,
          preview: json.slice(0, MAX_TOOL_OUTPUT_BYTES / 2),
        };
  const note = bytes <= MAX_TOOL_OUTPUT_BYTES ? "" : ` (result of ${bytes} bytes cut to a preview)`;
  return {
    content: [{ type: "text", text: `${summary}${note}\n${JSON.stringify(structured, null, 1)}` }],
    structuredContent: structured,
    ...(isError ? { isError: true } : {}),
  };
}

/** A failed REST call as a tool error: the API's code and message, never internals. */
export function apiFailure(what: string, answer: ApiAnswer): CallToolResult {
  const e = apiError(answer.body) ?? { code: `HTTP_${answer.status}`, message: "The platform refused the call" };
  return toolResult(`${what} failed: ${e.code}: ${e.message}`, { error: e, status: answer.status }, true);
}

/** A tool refused before reaching the platform (bad arguments, limits). */
export function toolError(code: string, message: string): CallToolResult {
  return toolResult(`${code}: ${message}`, { error: { code, message } }, true);
}
