/**
 * Checks a node's literal input against its component's `input_schema` (the JSON Schema draft 2020-12
 * subset the manifests use: type, required, properties, additionalProperties, enum, const, items,
 * minimum, maximum, minLength, maxLength, minItems). Templated parts are unknown until run time and
 * are skipped; a key given by a template still counts as present for `required`.
 */
import type { CompiledValue } from "./plan";

export interface SchemaProblem {
  /** Dotted path below the node's config, e.g. `headers.Accept`. */
  path: string;
  message: string;
}

type Schema = Record<string, unknown>;

/**
 * Validates a compiled value against a schema; returns every problem found.
 *
 * @example
 * checkSchema({ kind: "literal", value: { channel: 5 } }, { properties: { channel: { type: "string" } } })
 * // [{ path: "channel", message: "must be string, got number" }]
 */
export function checkSchema(value: CompiledValue, schema: Schema, path = ""): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  walk(value, schema, path, out);
  return out;
}

function walk(value: CompiledValue, schema: Schema, path: string, out: SchemaProblem[]): void {
  if (!schema || typeof schema !== "object") return;
  if (value.kind === "expr") return;
  if (value.kind === "interp") {
    // Interpolation always yields a string.
    if (schema.type !== undefined && !typeList(schema.type).includes("string")) {
      out.push({ path, message: `must be ${typeList(schema.type).join(" or ")}, got a text template` });
    }
    return;
  }
  if (value.kind === "literal") {
    checkLiteral(value.value, schema, path, out);
    return;
  }
  if (value.kind === "array") {
    if (schema.type !== undefined && !typeList(schema.type).includes("array")) {
      out.push({ path, message: `must be ${typeList(schema.type).join(" or ")}, got array` });
      return;
    }
    if (typeof schema.minItems === "number" && value.items.length < schema.minItems) {
      out.push({ path, message: `must have at least ${schema.minItems} items` });
    }
    const items = schema.items as Schema | undefined;
    if (items)
      value.items.forEach((v, i) => {
        walk(v, items, `${path}[${i}]`, out);
      });
    return;
  }
  // object
  if (schema.type !== undefined && !typeList(schema.type).includes("object")) {
    out.push({ path, message: `must be ${typeList(schema.type).join(" or ")}, got object` });
    return;
  }
  const keys = new Map(value.entries);
  checkObjectKeys([...keys.keys()], schema, path, out);
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  for (const [k, v] of value.entries) {
    const sub =
      props[k] ??
      (typeof schema.additionalProperties === "object" ? (schema.additionalProperties as Schema) : undefined);
    if (sub) walk(v, sub, join(path, k), out);
  }
}

function checkObjectKeys(keys: string[], schema: Schema, path: string, out: SchemaProblem[]): void {
  for (const r of (schema.required as string[] | undefined) ?? []) {
    if (!keys.includes(r)) out.push({ path: join(path, r), message: `is required` });
  }
  if (schema.additionalProperties === false) {
    const props = Object.keys((schema.properties ?? {}) as object);
    for (const k of keys)
      if (!props.includes(k))
        out.push({ path: join(path, k), message: `is not an accepted field (accepted: ${props.join(", ")})` });
  }
}

function checkLiteral(v: unknown, schema: Schema, path: string, out: SchemaProblem[]): void {
  const t = jsonType(v);
  if (schema.type !== undefined) {
    const types = typeList(schema.type);
    const ok = types.includes(t) || (t === "integer" && types.includes("number"));
    if (!ok) {
      out.push({ path, message: `must be ${types.join(" or ")}, got ${t === "integer" ? "number" : t}` });
      return;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    out.push({ path, message: `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}` });
  }
  if ("const" in schema && JSON.stringify(schema.const) !== JSON.stringify(v)) {
    out.push({ path, message: `must be ${JSON.stringify(schema.const)}` });
  }
  if (typeof v === "number") {
    if (typeof schema.minimum === "number" && v < schema.minimum)
      out.push({ path, message: `must be ≥ ${schema.minimum}` });
    if (typeof schema.maximum === "number" && v > schema.maximum)
      out.push({ path, message: `must be ≤ ${schema.maximum}` });
  }
  if (typeof v === "string") {
    const len = [...v].length;
    if (typeof schema.minLength === "number" && len < schema.minLength) {
      out.push({ path, message: `must be at least ${schema.minLength} characters` });
    }
    if (typeof schema.maxLength === "number" && len > schema.maxLength) {
      out.push({ path, message: `must be at most ${schema.maxLength} characters` });
    }
  }
  if (Array.isArray(v)) {
    if (typeof schema.minItems === "number" && v.length < schema.minItems) {
      out.push({ path, message: `must have at least ${schema.minItems} items` });
    }
    const items = schema.items as Schema | undefined;
    if (items)
      v.forEach((x, i) => {
        checkLiteral(x, items, `${path}[${i}]`, out);
      });
  } else if (t === "object") {
    const obj = v as Record<string, unknown>;
    checkObjectKeys(Object.keys(obj), schema, path, out);
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [k, x] of Object.entries(obj)) {
      const sub =
        props[k] ??
        (typeof schema.additionalProperties === "object" ? (schema.additionalProperties as Schema) : undefined);
      if (sub) checkLiteral(x, sub, join(path, k), out);
    }
  }
}

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeList(t: unknown): string[] {
  return Array.isArray(t) ? (t as string[]) : [String(t)];
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
