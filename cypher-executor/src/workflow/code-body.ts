/**
 * `code` bodies are JavaScript, where `{{` is ordinary text (`line.indexOf('{{')`). A template inside a
 * body is expanded only when it is a valid template naming something of the workflow (as the original
 * did for `{{ node.field }}`); any other `{{` stays text, so such bodies validate and run unchanged.
 */
import type { CompiledExpr, CompiledValue } from "./plan";
import { compileString, type PathPolicy } from "./template";

/** Splits a body into text and the `{{ … }}` spans that compile; the rest is literal. */
type Span = string | { value: CompiledValue; raw: string };

function spans(body: string, policy: PathPolicy): Span[] {
  const out: Span[] = [];
  let i = 0;
  let text = "";
  while (i < body.length) {
    const open = body.indexOf("{{", i);
    if (open < 0) break;
    const close = body.indexOf("}}", open + 2);
    if (close < 0) break;
    const candidate = body.slice(open, close + 2);
    let compiled: CompiledValue | undefined;
    try {
      // A span holding another `{{` is not one template.
      if (!candidate.slice(2).includes("{{")) compiled = compileString(candidate, policy);
    } catch {
      compiled = undefined;
    }
    if (compiled && compiled.kind !== "literal") {
      text += body.slice(i, open);
      if (text) out.push(text);
      text = "";
      out.push({ value: compiled, raw: candidate });
      i = close + 2;
    } else {
      text += body.slice(i, open + 2);
      i = open + 2;
    }
  }
  text += body.slice(i);
  if (text) out.push(text);
  return out;
}

/**
 * Compiles a `code` body leniently: never throws for a `{{` that is not a template.
 *
 * @example
 * compileCodeBody("if (line.indexOf('{{') !== -1) continue;", policy) // { kind: "literal", value: … }
 */
export function compileCodeBody(body: string, policy: PathPolicy): CompiledValue {
  const parts = spans(body, policy);
  if (parts.every((p) => typeof p === "string")) return { kind: "literal", value: body };
  const flat: Array<string | CompiledExpr> = [];
  for (const p of parts) {
    if (typeof p === "string") flat.push(p);
    else if (p.value.kind === "expr") flat.push(p.value.expr);
    else if (p.value.kind === "interp") flat.push(...p.value.parts);
  }
  return { kind: "interp", parts: flat };
}

/** The body with only its valid templates kept (for the warning pass, which re-reads raw strings). */
export function lenientSource(body: string, policy: PathPolicy): string {
  return spans(body, policy)
    .map((p) => (typeof p === "string" ? p.replaceAll("{{", "{ {") : p.raw))
    .join("");
}

/** Puts the compiled body back as the `code` field of a compiled input. */
export function withCodeBody(rest: CompiledValue, body: CompiledValue): CompiledValue {
  if (rest.kind === "literal" && body.kind === "literal") {
    return { kind: "literal", value: { ...(rest.value as Record<string, unknown>), code: body.value } };
  }
  const entries: Array<[string, CompiledValue]> = [];
  if (rest.kind === "object") entries.push(...rest.entries);
  else if (rest.kind === "literal") {
    for (const [k, v] of Object.entries((rest.value ?? {}) as Record<string, unknown>)) {
      entries.push([k, { kind: "literal", value: v }]);
    }
  }
  entries.push(["code", body]);
  return { kind: "object", entries };
}
