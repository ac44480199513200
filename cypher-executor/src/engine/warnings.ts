/**
 * Node warnings: non-fatal findings recorded on a node's record (and shown with the execution), so a
 * step that ran on missing data is never silent.
 */

/**
 * One `UNRESOLVED_TEMPLATE` warning per template that resolved to nothing (it was given `null`).
 *
 * @example
 * unresolvedWarnings(["fetch.data.records"])
 * // [{ code: "UNRESOLVED_TEMPLATE", message: "{{ fetch.data.records }} resolved to nothing: the step got null" }]
 */
export function unresolvedWarnings(missing: string[]): Array<{ code: string; message: string }> {
  return [...new Set(missing)].map((source) => ({
    code: "UNRESOLVED_TEMPLATE",
    message: `{{ ${source} }} resolved to nothing: the step got null (or "" inside text)`,
  }));
}
