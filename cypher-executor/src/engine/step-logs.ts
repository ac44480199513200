/**
 * Step logs: what a component wrote to stderr (a `code` step's `console.log`), kept per node in the
 * execution record, bounded so a chatty step cannot fill the record (docs/engine.md).
 */

/** Most bytes of log text kept per node (more is cut, with a marker saying how much). */
export const MAX_STEP_LOG_BYTES = 16 * 1024;

/**
 * Appends `text` to a node's logs, keeping at most {@link MAX_STEP_LOG_BYTES}; `label` prefixes each
 * line (a retry's attempt, a FOREACH element).
 *
 * @example
 * rec.logs = appendLogs(rec.logs, outcome.logs, "[2] ");
 */
export function appendLogs(logs: string | undefined, text: string, label = ""): string | undefined {
  if (!text) return logs;
  const lines = label
    ? text
        .replace(/\n$/, "")
        .split("\n")
        .map((l) => label + l)
        .join("\n")
    : text.replace(/\n$/, "");
  const all = logs ? `${logs}\n${lines}` : lines;
  if (all.length <= MAX_STEP_LOG_BYTES) return all;
  if (logs?.endsWith(CUT)) return logs;
  return `${all.slice(0, MAX_STEP_LOG_BYTES)}\n${CUT}`;
}

const CUT = `… (logs cut at ${MAX_STEP_LOG_BYTES} characters)`;
