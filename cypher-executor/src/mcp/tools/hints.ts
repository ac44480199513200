/**
 * One line per diagnostic code on how to fix it, for agents that repair a workflow from
 * `validate_workflow`'s answer. The codes and their meaning are specified in docs/workflow-format.md.
 */
const HINTS: Record<string, string> = {
  YAML_SYNTAX: "Fix the YAML at that position (indentation, quotes, a duplicate key).",
  NOT_A_MAPPING: "The file must be a mapping with `name:`, `flow:` and `config:`.",
  UNKNOWN_KEY: "Remove the key or use the suggested one.",
  MISSING_FIELD: "Add the missing `name:` or `flow:`.",
  INVALID_NAME: "Use lower-case letters, digits, `_` or `-`, at most 64 characters.",
  INVALID_TYPE: "Give the section the type the format expects (e.g. `config` is a mapping of node name to settings).",
  INVALID_NODE_NAME: "Node names are letters, digits and `_`, starting with a letter.",
  RESERVED_NODE_NAME: "Rename the node: input, trigger, webhook and start are reserved.",
  INVALID_FLOW_ENTRY: 'Write each edge as "a >> ON_SUCCESS >> b" or "(a)-[:ON_SUCCESS]->(b)".',
  UNKNOWN_EDGE_LABEL:
    "Use an edge label of the format: ON_SUCCESS, ON_FAIL, ON_COMPLETE, IF, ELSE, ON_TRUE, ON_FALSE, ON_BRANCH(x), FOREACH x, CALLS_SUBFLOW.",
  INVALID_EDGE_LABEL: "Give IF a condition (IF {{ expr }}) and FOREACH a field (FOREACH items).",
  INVALID_EDGE: "No edge may lead into `input`.",
  ELSE_WITHOUT_IF: "Add an IF edge from the same node, or use ON_SUCCESS.",
  UNKNOWN_NODE: "Add a `config:` entry for the node (with `component:`), or fix the template's node name.",
  MISSING_COMPONENT: "Add `component: <name>` to the node's config (list_components shows the names).",
  UNKNOWN_COMPONENT: "Use a component from list_components or a recipe id from list_recipes.",
  CONFLICTING_COMPONENT: "Make `component:` and the Cypher label name the same component.",
  CYCLE: "Remove an edge of the listed cycle: workflows are acyclic (use FOREACH to repeat).",
  UNREACHABLE_NODE: "Add an edge from `input` (or from a node reached from it) to this node.",
  INVALID_EXPRESSION: "Fix the expression: comparisons, && || !, field paths and literals only.",
  UNKNOWN_FILTER: "Use a filter listed in the format reference (default, length, upper, json, ...).",
  INVALID_TEMPLATE: "Close the template with `}}`.",
  CREDENTIAL_IN_EXPRESSION: "Use {{ credential.NAME }} only as a whole value, never inside an expression.",
  INVALID_TRIGGER: "Use `trigger: { webhook: { auth: api_key | hmac | none } }`; hmac needs `secret: NAME`.",
  INVALID_CRON: "Use five cron fields: minute hour day-of-month month day-of-week.",
  INVALID_DURATION: "Write durations like 30s, 5m, 2h or 1d.",
  INVALID_RETRY: "Use `retry: { max_attempts: N, backoff: 1s }`.",
  INVALID_LIMITS: "Use positive numbers for the known limits only.",
  RESERVED_KEY: "Rename the key: __proto__, constructor and prototype are not allowed.",
  SCHEMA_VIOLATION: "Make the node's config match the component's input_schema (get_component shows it).",
  NOT_UPSTREAM: "Read only nodes that always run before this one, or add an edge that orders them.",
};

/**
 * A fix hint for a diagnostic code.
 *
 * @example
 * hintFor("CYCLE") // "Remove an edge of the listed cycle: …"
 */
export function hintFor(code: string): string {
  return HINTS[code] ?? "See the resource arcrun://docs/workflow-format for this code.";
}
