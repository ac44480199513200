/**
 * Typed data flow between steps: what each step can output (its component's `output_schema`), the
 * original arcrun's legacy reads of an `http_request` (`X.data.records` for `X.data.json.records`), and
 * the component placeholders of the original's installer.
 */
import type { ExprNode } from "./expr";
import { closest } from "./flow";
import type { ComponentCatalog } from "./plan";

/** Placeholders the original installer rewrote to its components; accepted with a deprecation warning. */
export const COMPONENT_ALIASES: Readonly<Record<string, string>> = {
  __CODE_URL__: "code",
  __HTTP_REQ_URL__: "http_request",
};

/** The fields a step always answers with, when its component declares a closed output. */
export interface OutputShape {
  component: string;
  fields: string[];
}

/**
 * The output shape of every node whose component declares `output_schema.properties` (and does not
 * allow more). FOREACH targets answer a list and are left out.
 *
 * @example
 * outputShapes({ fetch: "http_request" }, catalog, new Set()).get("fetch")?.fields // ["status", "ok", …]
 */
export function outputShapes(
  components: Record<string, string>,
  catalog: ComponentCatalog,
  listNodes: ReadonlySet<string>,
): Map<string, OutputShape> {
  const shapes = new Map<string, OutputShape>();
  for (const [id, raw] of Object.entries(components)) {
    if (listNodes.has(id)) continue;
    const component = COMPONENT_ALIASES[raw] ?? raw;
    const schema = catalog.manifest(component)?.output_schema as
      | { properties?: Record<string, unknown>; additionalProperties?: unknown }
      | undefined;
    const fields = Object.keys(schema?.properties ?? {});
    if (fields.length === 0 || schema?.additionalProperties === true) continue;
    shapes.set(id, { component, fields });
  }
  return shapes;
}

/**
 * Rewrites `X.data.f` to `X.data.json.f` when X is an `http_request` that never answers `f` (the
 * original exposed the parsed body's fields on the step itself). Returns the field rewritten.
 */
export function legacyHttpRead(p: Extract<ExprNode, { t: "get" }>, shape: OutputShape | undefined): string | undefined {
  if (shape?.component !== "http_request" || p.keys[0] !== "data") return undefined;
  const field = p.keys[1];
  if (typeof field !== "string" || shape.fields.includes(field)) return undefined;
  p.keys.splice(1, 0, "json");
  return field;
}

/**
 * A warning for a read of a field the producing step can never output (after the legacy rewrite).
 *
 * @example
 * unknownOutputField("check", "itms", { component: "filter", fields: ["items", "count", "total"] })
 */
export function unknownOutputField(
  node: string,
  field: string,
  shape: OutputShape,
  legacy: boolean,
): { code: string; message: string } {
  const answers = `${shape.component} answers ${shape.fields.join(", ")}`;
  if (legacy) {
    return {
      code: "LEGACY_HTTP_FIELD",
      message: `"${node}" is an http_request: ${answers}; "${field}" is read from its JSON body (did you mean "${node}.data.json.${field}"?)`,
    };
  }
  const guess = closest(field, shape.fields);
  return {
    code: "UNKNOWN_OUTPUT_FIELD",
    message: `"${node}" never outputs "${field}": ${answers}${guess ? ` (did you mean "${node}.data.${guess}"?)` : ""}`,
  };
}
