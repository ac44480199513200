/**
 * The recipe template language: `{{ path | filter | … }}` where path is `input.x.y`, `auth.k`,
 * `secret.k`, `runtime.access_token` or `_path`. Deliberately tiny: recipes are data, not code.
 * Secrets are never resolved here; `auth.k` / `secret.k` become `{{credential.NAME}}` placeholders
 * that only the egress host function replaces (see egress.ts).
 */

const TEMPLATE = /\{\{\s*([^{}]+?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}]+?)\s*\}\}$/;

/** Thrown for a template that cannot be expanded; `where` names the recipe field. */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly where: string,
  ) {
    super(message);
    this.name = "TemplateError";
  }
}

export interface TemplateScope {
  input: Record<string, unknown>;
  /** Secret key → placeholder string (e.g. `{{credential.tg_bot}}`). */
  secrets: Record<string, string>;
  /** `runtime.*` values (placeholders too: the access token is a secret). */
  runtime: Record<string, string>;
}

type Filter = (v: unknown) => unknown;

const FILTERS: Record<string, Filter> = {
  json: (v) => JSON.stringify(v),
  string: (v) => (v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v)),
  urlencode: (v) => encodeURIComponent(String(v ?? "")),
  base64: (v) => b64(String(v ?? "")),
  base64url: (v) =>
    b64(String(v ?? ""))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, ""),
  rfc822: (v) => rfc822(v),
};

/** The filter names a template may use (documented in docs/recipes.md). */
export const FILTER_NAMES = Object.keys(FILTERS);

function b64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** A minimal plain-text RFC 822 message from `{ to, subject, text, from?, cc? }`. */
function rfc822(v: unknown): string {
  const m = (v ?? {}) as Record<string, unknown>;
  const header = (name: string, value: unknown) =>
    value === undefined || value === null || value === "" ? [] : [`${name}: ${String(value).replace(/[\r\n]+/g, " ")}`];
  const subject = String(m.subject ?? "");
  // Non-ASCII subjects need RFC 2047 encoded-words or mail clients show mojibake.
  const encodedSubject = /^[\x20-\x7e]*$/.test(subject) ? subject : `=?UTF-8?B?${b64(subject)}?=`;
  return [
    ...header("From", m.from),
    ...header("To", Array.isArray(m.to) ? m.to.join(", ") : m.to),
    ...header("Cc", Array.isArray(m.cc) ? m.cc.join(", ") : m.cc),
    ...header("Subject", encodedSubject),
    "MIME-Version: 1.0",
    'Content-Type: text/plain; charset="UTF-8"',
    "",
    String(m.text ?? ""),
  ].join("\r\n");
}

function lookup(path: string, scope: TemplateScope, where: string): unknown {
  const parts = path.split(".");
  const head = parts[0];
  if (head === "_path") return scope.input._path;
  if (head === "input") {
    let cur: unknown = scope.input;
    for (const p of parts.slice(1)) {
      if (cur === null || typeof cur !== "object") return undefined;
      cur = (cur as Record<string, unknown>)[p];
    }
    return cur;
  }
  if (head === "auth" || head === "secret") {
    const key = parts[1] ?? "";
    const ph = scope.secrets[key];
    if (ph === undefined) throw new TemplateError(`no secret "${key}" is available for {{${path}}}`, where);
    return ph;
  }
  if (head === "runtime") {
    const key = parts[1] ?? "";
    const v = scope.runtime[key];
    if (v === undefined) throw new TemplateError(`no runtime value "${key}" for {{${path}}}`, where);
    return v;
  }
  throw new TemplateError(
    `unknown template root "${head}" in {{${path}}} (use input., auth., secret., runtime. or _path)`,
    where,
  );
}

function evaluate(expr: string, scope: TemplateScope, where: string): unknown {
  const [pathPart, ...filters] = expr.split("|").map((s) => s.trim());
  let v = lookup(pathPart ?? "", scope, where);
  for (const f of filters) {
    const fn = FILTERS[f];
    if (!fn) throw new TemplateError(`unknown filter "${f}" (known: ${FILTER_NAMES.join(", ")})`, where);
    v = fn(v);
  }
  return v;
}

/**
 * Expands the templates of one string. `encode` is applied to interpolated `input.*` values
 * (URL paths use encodeURIComponent so user data cannot change the path).
 *
 * @example
 * expandString("/bot{{auth.bot_token}}/send", scope, "endpoint") // "/bot{{credential.tg}}/send"
 */
export function expandString(
  text: string,
  scope: TemplateScope,
  where: string,
  encode: (s: string) => string = (s) => s,
): string {
  return text.replace(TEMPLATE, (_m, expr: string) => {
    const v = evaluate(expr, scope, where);
    const s = v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v);
    const root = expr.trim().split(/[.|\s]/)[0];
    return root === "input" ? encode(s) : s;
  });
}

/**
 * Expands a JSON template: a string that is exactly one template keeps its value's JSON type,
 * and an object key whose whole-template value is undefined is dropped (optional inputs).
 *
 * @example
 * expandValue({ chat_id: "{{input.chat_id}}" }, scope, "body_template") // { chat_id: 42 }
 */
export function expandValue(tpl: unknown, scope: TemplateScope, where: string): unknown {
  if (typeof tpl === "string") {
    const whole = WHOLE.exec(tpl);
    if (whole?.[1]) return evaluate(whole[1], scope, where);
    return expandString(tpl, scope, where);
  }
  if (Array.isArray(tpl)) return tpl.map((v, i) => expandValue(v, scope, `${where}[${i}]`));
  if (tpl && typeof tpl === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(tpl)) {
      const ev = expandValue(v, scope, `${where}.${k}`);
      if (ev !== undefined) out[k] = ev;
    }
    return out;
  }
  return tpl;
}

/** Every `{{ … }}` expression in a value, with where it sits (for the exposure review). */
export function templatesIn(v: unknown, where: string): Array<{ expr: string; where: string }> {
  const out: Array<{ expr: string; where: string }> = [];
  const walk = (x: unknown, w: string): void => {
    if (typeof x === "string") {
      for (const m of x.matchAll(TEMPLATE)) out.push({ expr: (m[1] ?? "").trim(), where: w });
    } else if (Array.isArray(x)) {
      x.forEach((y, i) => {
        walk(y, `${w}[${i}]`);
      });
    } else if (x && typeof x === "object") {
      for (const [k, y] of Object.entries(x)) walk(y, `${w}.${k}`);
    }
  };
  walk(v, where);
  return out;
}
