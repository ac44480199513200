/**
 * The exposure review: before a recipe (or a workflow that uses recipes) is stored, list every
 * host it sends data to and flag what a human must knowingly accept: hosts outside
 * `allowed_hosts`, credentials templated into URLs/bodies/non-auth headers, plain http://.
 * Pure functions: the API enforces consent with them and the CLI renders their result.
 */
import { sha256Hex } from "../utils/crypto";
import { hostMatches } from "./egress";
import { canonicalJson } from "./store";
import { templatesIn } from "./template";
import type { ApiRecipe, AuthRecipe } from "./types";

export type Severity = "danger" | "warning" | "notice";

export interface ExposureFinding {
  code:
    | "HOST_NOT_ALLOWED"
    | "PLAIN_HTTP"
    | "CREDENTIAL_IN_URL"
    | "CREDENTIAL_IN_BODY"
    | "CREDENTIAL_IN_HEADER"
    | "DYNAMIC_HOST";
  severity: Severity;
  message: string;
  /** Where in the recipe/workflow, e.g. `endpoint` or `steps.notify.body_template.text`. */
  where: string;
  host?: string;
}

export interface ExposureDestination {
  host: string;
  scheme: string;
  allowed: boolean;
  /** What goes there, in words: `workflow input (body)`, `credential bot_token (path, auth)`. */
  sends: string[];
}

export interface ExposureReview {
  subject: { kind: "api_recipe" | "auth_recipe" | "workflow"; name: string };
  destinations: ExposureDestination[];
  findings: ExposureFinding[];
  /** sha256 of the destinations and findings: consent is asked again only when it changes. */
  fingerprint: string;
}

const SECRET_ROOTS = /^(auth|secret|credential|runtime)\./;

function hostOf(url: string): { host: string; scheme: string; dynamic: boolean } {
  const m = /^([a-z]+):\/\/([^/?#]*)/i.exec(url);
  const rawHost = m?.[2] ?? "";
  const dynamic = /\{\{\s*(input|_path)/.test(rawHost);
  // A host built from a secret (Shopify's shop, Jira's site) is a wildcard under a fixed suffix.
  const host = rawHost.replace(/\{\{[^}]*\}\}/g, "*").toLowerCase();
  return { host, scheme: (m?.[1] ?? "").toLowerCase(), dynamic };
}

function allowedBy(host: string, allowed: string[]): boolean {
  if (host.startsWith("*."))
    return allowed.some((p) => p.toLowerCase() === host || (p.startsWith("*.") && host.endsWith(p.slice(1))));
  return allowed.some((p) => hostMatches(host, p));
}

function secretTemplates(v: unknown, where: string) {
  return templatesIn(v, where).filter((t) => SECRET_ROOTS.test(t.expr) && !t.expr.startsWith("runtime."));
}

async function finish(
  subject: ExposureReview["subject"],
  destinations: ExposureDestination[],
  findings: ExposureFinding[],
): Promise<ExposureReview> {
  const fingerprint = await sha256Hex(
    canonicalJson({ destinations, findings: findings.map(({ message, ...f }) => f) }),
  );
  return { subject, destinations, findings, fingerprint };
}

function hostFindings(url: string, where: string, allowed: string[], findings: ExposureFinding[]) {
  const { host, scheme, dynamic } = hostOf(url);
  if (dynamic) {
    findings.push({
      code: "DYNAMIC_HOST",
      severity: "danger",
      message: `The host of ${where} comes from workflow input: data can be sent anywhere`,
      where,
      host,
    });
  }
  if (scheme === "http") {
    findings.push({
      code: "PLAIN_HTTP",
      severity: "danger",
      message: `${where} uses plain http://: data and credentials travel unencrypted to ${host}`,
      where,
      host,
    });
  }
  const ok = !dynamic && allowedBy(host, allowed);
  if (!ok) {
    findings.push({
      code: "HOST_NOT_ALLOWED",
      severity: "danger",
      message: `${host} is not in allowed_hosts (${allowed.join(", ") || "none"})`,
      where,
      host,
    });
  }
  return { host, scheme, allowed: ok };
}

/**
 * Reviews an API recipe, with the auth recipe it names (when it has one).
 *
 * @example
 * const review = await reviewApiRecipeExposure(recipe, authRecipe);
 * if (review.findings.some((f) => f.severity === "danger")) warn(review);
 */
export async function reviewApiRecipeExposure(recipe: ApiRecipe, auth?: AuthRecipe | null): Promise<ExposureReview> {
  const findings: ExposureFinding[] = [];
  const allowed = auth?.allowed_hosts ?? recipe.allowed_hosts ?? [];
  const dest = hostFindings(recipe.endpoint, "endpoint", allowed, findings);
  const sends: string[] = [];
  const authPathSecrets = new Set(
    auth?.inject.path ? secretTemplates(auth.inject.path, "").map((t) => t.expr.split(".")[1]) : [],
  );
  for (const t of secretTemplates(recipe.endpoint, "endpoint")) {
    const key = t.expr.split(".")[1] ?? "";
    const declared = authPathSecrets.has(key);
    sends.push(`credential ${key} (URL${declared ? ", the service's auth format" : ""})`);
    findings.push({
      code: "CREDENTIAL_IN_URL",
      severity: declared ? "notice" : "warning",
      message: declared
        ? `credential ${key} is part of the URL, as ${auth?.service} requires; URLs can end up in proxy and server logs`
        : `credential ${key} is templated into the URL: URLs end up in logs and browser history`,
      where: t.where,
      host: dest.host,
    });
  }
  for (const t of secretTemplates(recipe.body_template, "body_template")) {
    const key = t.expr.split(".")[1] ?? "";
    sends.push(`credential ${key} (body)`);
    findings.push({
      code: "CREDENTIAL_IN_BODY",
      severity: "warning",
      message: `credential ${key} is sent in the request body`,
      where: t.where,
      host: dest.host,
    });
  }
  for (const t of [...secretTemplates(recipe.headers, "headers"), ...secretTemplates(recipe.query, "query")]) {
    const key = t.expr.split(".")[1] ?? "";
    const inQuery = t.where.startsWith("query");
    sends.push(`credential ${key} (${inQuery ? "query" : "header"})`);
    findings.push({
      code: inQuery ? "CREDENTIAL_IN_URL" : "CREDENTIAL_IN_HEADER",
      severity: "warning",
      message: `credential ${key} is sent in a ${inQuery ? "query parameter" : "non-auth header"} (${t.where})`,
      where: t.where,
      host: dest.host,
    });
  }
  if (
    templatesIn([recipe.endpoint, recipe.body_template, recipe.query], "").some((t) => /^(input|_path)/.test(t.expr)) ||
    recipe.body_template === undefined
  ) {
    sends.push("workflow data (step input)");
  }
  if (auth) sends.push(...authSends(auth));
  const destinations: ExposureDestination[] = [{ ...dest, sends }];
  if (auth?.token_exchange) destinations.push(tokenDestination(auth, findings));
  return finish({ kind: "api_recipe", name: recipe.canonical_id }, destinations, findings);
}

function authSends(auth: AuthRecipe): string[] {
  const out: string[] = [];
  const inj = auth.inject;
  for (const [where, v] of [
    ["header", inj.header],
    ["query", inj.query],
    ["body", inj.body],
    ["path", inj.path],
    ["basic auth", inj.basic],
  ] as const) {
    for (const t of templatesIn(v, where)) {
      if (t.expr.startsWith("secret.")) out.push(`credential ${t.expr.slice(7)} (${where}, auth)`);
      if (t.expr.startsWith("runtime.")) out.push(`access token (${where}, auth)`);
    }
  }
  return [...new Set(out)];
}

function tokenDestination(auth: AuthRecipe, findings: ExposureFinding[]): ExposureDestination {
  const d = hostFindings(auth.token_exchange?.endpoint ?? "", "token_exchange.endpoint", auth.allowed_hosts, findings);
  return {
    ...d,
    sends: [
      auth.primitive === "service_account"
        ? "signed JWT assertion (token exchange)"
        : "OAuth client credentials / refresh token (token exchange)",
    ],
  };
}

/** Reviews an auth recipe on its own. */
export async function reviewAuthRecipeExposure(auth: AuthRecipe): Promise<ExposureReview> {
  const findings: ExposureFinding[] = [];
  const dest = hostFindings(auth.base_url, "base_url", auth.allowed_hosts, findings);
  for (const t of [
    ...templatesIn(auth.inject.query, "inject.query"),
    ...templatesIn(auth.inject.path, "inject.path"),
  ]) {
    if (!t.expr.startsWith("secret.")) continue;
    findings.push({
      code: "CREDENTIAL_IN_URL",
      severity: "notice",
      message: `credential ${t.expr.slice(7)} goes in the URL (${t.where}): URLs can end up in proxy and server logs`,
      where: t.where,
      host: dest.host,
    });
  }
  for (const t of templatesIn(auth.inject.body, "inject.body")) {
    if (t.expr.startsWith("secret.")) {
      findings.push({
        code: "CREDENTIAL_IN_BODY",
        severity: "notice",
        message: `credential ${t.expr.slice(7)} is sent in the body`,
        where: t.where,
        host: dest.host,
      });
    }
  }
  const destinations: ExposureDestination[] = [{ ...dest, sends: ["workflow data", ...authSends(auth)] }];
  if (auth.token_exchange) destinations.push(tokenDestination(auth, findings));
  return finish({ kind: "auth_recipe", name: auth.service }, destinations, findings);
}

/** One step of a workflow, as the exposure review needs it. */
export interface ExposureStep {
  id: string;
  component: string;
  /** The literal `url` of an http_request step, when it is known before run time. */
  url?: string;
  /** The step's url is computed at run time (a template). */
  dynamicUrl?: boolean;
}

/**
 * Reviews a whole workflow: every recipe step (through `resolve`) and every http_request step.
 * The deploy route calls it before storing a workflow and answers 403 EXPOSURE_CONSENT_REQUIRED
 * with the review when the stored consent's fingerprint differs.
 *
 * @example
 * const review = await reviewWorkflowExposure("daily-report", steps, (name) => lookup(name));
 */
export async function reviewWorkflowExposure(
  name: string,
  steps: ExposureStep[],
  resolve: (component: string) => Promise<{ recipe: ApiRecipe; auth: AuthRecipe | null } | null>,
): Promise<ExposureReview> {
  const destinations = new Map<string, ExposureDestination>();
  const findings: ExposureFinding[] = [];
  for (const step of steps) {
    const r = await resolve(step.component);
    if (r) {
      const sub = await reviewApiRecipeExposure(r.recipe, r.auth);
      for (const d of sub.destinations) merge(destinations, d, `step ${step.id}`);
      for (const f of sub.findings) findings.push({ ...f, where: `steps.${step.id}.${f.where}` });
    } else if (step.url !== undefined || step.dynamicUrl) {
      const where = `steps.${step.id}.url`;
      if (step.dynamicUrl || !step.url) {
        findings.push({
          code: "DYNAMIC_HOST",
          severity: "danger",
          message: `step ${step.id} calls a URL computed at run time`,
          where,
        });
        continue;
      }
      const { host, scheme } = hostOf(step.url);
      if (scheme === "http")
        findings.push({
          code: "PLAIN_HTTP",
          severity: "danger",
          message: `step ${step.id} uses plain http:// to ${host}`,
          where,
          host,
        });
      merge(destinations, { host, scheme, allowed: true, sends: ["workflow data (http_request)"] }, `step ${step.id}`);
    }
  }
  return finish(
    { kind: "workflow", name },
    [...destinations.values()].sort((a, b) => a.host.localeCompare(b.host)),
    findings,
  );
}

function merge(map: Map<string, ExposureDestination>, d: ExposureDestination, by: string) {
  const old = map.get(d.host);
  const sends = d.sends.map((s) => `${s} [${by}]`);
  if (!old) map.set(d.host, { ...d, sends });
  else map.set(d.host, { ...old, allowed: old.allowed && d.allowed, sends: [...old.sends, ...sends] });
}
