import { readFileSync, writeFileSync } from "node:fs";
import { isCancel, text } from "@clack/prompts";
import type { Command } from "commander";
import { isMap, isSeq, LineCounter, parseDocument, parse as parseYaml } from "yaml";
import { ApiCallError, ApiClient } from "../api/client.js";
import { EXIT, UserError } from "../ui/errors.js";
import { requireConfig } from "./whoami.js";

/** The platform's exposure review (cypher-executor/src/recipes/exposure.ts). */
export interface ExposureReview {
  subject: { kind: string; name: string };
  destinations: Array<{ host: string; scheme: string; allowed: boolean; sends: string[] }>;
  findings: Array<{
    code: string;
    severity: "danger" | "warning" | "notice";
    message: string;
    where: string;
    host?: string;
  }>;
  fingerprint: string;
}

/** What the API stores with a recipe (or a workflow) once a human accepted its exposure. */
export interface ExposureConsent {
  confirmed_by_human: true;
  understood: true;
  confirmed_at: string;
  typed_name?: string;
  via: "typed_name" | "flag";
}

/** Renders the review as lines a human can read in a terminal. */
export function renderReview(review: ExposureReview): string[] {
  const mark = { danger: "DANGER ", warning: "WARNING", notice: "notice " } as const;
  const lines = [`${review.subject.name} will send data to:`];
  for (const d of review.destinations) {
    lines.push(`  ${d.scheme}://${d.host}${d.allowed ? "" : "   (NOT in allowed_hosts)"}`);
    for (const s of d.sends) lines.push(`      - ${s}`);
  }
  if (review.findings.length) {
    lines.push("", "Review:");
    for (const f of review.findings) lines.push(`  ${mark[f.severity]}  ${f.message}  [${f.where}]`);
  }
  return lines;
}

export interface ConfirmOptions {
  /** `--confirm-exposure`: the human decided in advance (scripts, CI). */
  flag?: boolean;
  /** Whether a human is at a terminal. */
  interactive: boolean;
  /** Asks for a line of input (the real one is @clack/prompts' `text`). */
  ask?: (message: string) => Promise<string | null>;
  /** Where the review is printed. */
  print?: (line: string) => void;
}

/**
 * Shows the exposure review and asks the human to type `name` to confirm, like deleting a cloud
 * project. `--confirm-exposure` skips the question; without a TTY and without it, refuses.
 * Exported for `acr push` of workflows that send data to third-party hosts.
 *
 * @example
 * const consent = await confirmExposure(review, "telegram_send", { interactive: process.stdin.isTTY === true });
 */
export async function confirmExposure(
  review: ExposureReview,
  name: string,
  opts: ConfirmOptions,
): Promise<ExposureConsent> {
  const print = opts.print ?? ((l: string) => console.error(l));
  for (const l of renderReview(review)) print(l);
  const now = () => new Date().toISOString();
  if (opts.flag) {
    print("Exposure accepted with --confirm-exposure.");
    return { confirmed_by_human: true, understood: true, confirmed_at: now(), via: "flag" };
  }
  if (!opts.interactive) {
    throw new UserError(
      `Refusing to store ${name} without a human confirming its data exposure (no terminal to ask on)`,
      "Run it in a terminal and type the name, or pass --confirm-exposure if you have read the review above",
    );
  }
  const ask =
    opts.ask ??
    (async (message: string) => {
      const v = await text({ message });
      return isCancel(v) ? null : String(v);
    });
  const typed = await ask(`Type the name "${name}" to confirm you understand where this data goes`);
  if (typed === null || typed.trim() !== name) {
    throw new UserError(`Not confirmed: you typed "${typed ?? ""}", not "${name}"; nothing was stored`);
  }
  return { confirmed_by_human: true, understood: true, confirmed_at: now(), typed_name: name, via: "typed_name" };
}

/** Reads a recipe file (JSON or YAML); errors name the file and the position. */
export function readRecipeFile(file: string): Record<string, unknown> {
  let src: string;
  try {
    src = readFileSync(file, "utf8");
  } catch {
    throw new UserError(`Cannot read ${file}`, "Check the path");
  }
  try {
    const v = /\.ya?ml$/i.test(file) ? parseYaml(src) : JSON.parse(src);
    if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("the file must hold one object");
    return v as Record<string, unknown>;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const pos = /position (\d+)/.exec(msg);
    let where = "";
    if (pos) {
      const before = src.slice(0, Number(pos[1]));
      const line = before.split("\n").length;
      where = `:${line}:${Number(pos[1]) - before.lastIndexOf("\n")}`;
    }
    throw new UserError(`${file}${where}: not valid ${/\.ya?ml$/i.test(file) ? "YAML" : "JSON"} (${msg})`);
  }
}

/**
 * `line:column` of a dotted field path (`inject.header.Authorization`, `required_secrets.0.help_url`)
 * in a JSON or YAML source; the nearest existing parent when the field itself is missing.
 */
export function locateField(src: string, path: string): string {
  const lc = new LineCounter();
  const doc = parseDocument(src, { lineCounter: lc });
  let node: unknown = doc.contents;
  let offset = (doc.contents as { range?: number[] } | null)?.range?.[0] ?? 0;
  for (const part of path.split(".").filter(Boolean)) {
    if (isMap(node)) {
      const pair = node.items.find((it) => String((it.key as { value?: unknown })?.value ?? it.key) === part);
      if (!pair) break;
      offset = (pair.key as { range?: number[] })?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(part)];
      if (!item) break;
      offset = (item as { range?: number[] }).range?.[0] ?? offset;
      node = item;
    } else break;
  }
  const { line, col } = lc.linePos(offset);
  return `${line}:${col}`;
}

function fieldErrors(err: unknown, file: string, src = ""): never {
  if (err instanceof ApiCallError && err.code === "VALIDATION_FAILED") {
    const issues = (
      (err.body as { error?: { issues?: Array<{ path: string; message: string }> } })?.error?.issues ?? []
    )
      .map((i) => {
        const field = i.path.replace(/^(recipe|auth_recipe)\.?/, "");
        const at = src ? `:${locateField(src, field)}` : "";
        return `  ${file}${at}: ${field || "(root)"}: ${i.message}`;
      })
      .join("\n");
    throw new UserError(`${file} is not a valid recipe:\n${issues}`, "See docs/recipes.md and recipes/schema/");
  }
  throw err;
}

interface CheckResult {
  ok: boolean;
  status?: number;
  latency_ms?: number;
  diagnosis: string;
  message: string;
  url: string;
}

function checkLine(r: CheckResult): string {
  return `${r.ok ? "ok" : "FAILED"}  ${r.diagnosis}${r.status ? `  HTTP ${r.status}` : ""}${r.latency_ms !== undefined ? `  ${r.latency_ms} ms` : ""}\n  ${r.message}\n  ${r.url}`;
}

function credentialBody(o: { credential?: string; credentials?: string[] }): Record<string, unknown> {
  const map = Object.fromEntries(
    (o.credentials ?? []).map((kv) => {
      const [k, v] = kv.split("=");
      if (!k || !v) throw new UserError(`--credentials expects key=name, got "${kv}"`, undefined, EXIT.usage);
      return [k, v];
    }),
  );
  return {
    ...(o.credential ? { credential: o.credential } : {}),
    ...(Object.keys(map).length ? { credentials: map } : {}),
  };
}

interface PushOptions {
  confirmExposure?: boolean;
  skipCheck?: boolean;
  credential?: string;
  credentials?: string[];
  timeout?: number;
}

/** `acr recipe push`: review → human consent → connectivity check → store. */
async function push(file: string, o: PushOptions, json: boolean): Promise<void> {
  const api = new ApiClient(requireConfig());
  const recipe = readRecipeFile(file);
  const source = readFileSync(file, "utf8");
  const isAuth = "primitive" in recipe;
  const name = String(isAuth ? recipe.service : recipe.canonical_id);
  const review = await api
    .request<ExposureReview>("POST", "/v1/recipes/review", { recipe })
    .catch((e) => fieldErrors(e, file, source));

  // 1. exposure: asked once per recipe and exposure (the stored fingerprint says whether this one was seen).
  const existing = await api
    .request<{ _meta?: { origin?: string; exposure_fingerprint?: string } }>(
      "GET",
      isAuth ? `/v1/auth-recipes/${name}` : `/v1/recipes/${name}`,
    )
    .catch(() => null);
  let consent: ExposureConsent | undefined;
  if (existing?._meta?.origin === "user" && existing._meta.exposure_fingerprint === review.fingerprint) {
    if (!json) console.error(`${name}: exposure unchanged since you confirmed it; not asking again.`);
  } else {
    consent = await confirmExposure(review, name, {
      flag: o.confirmExposure,
      interactive: process.stdin.isTTY === true && !json,
    });
  }

  // 2. connectivity: one real call through the platform, before anything is stored.
  let check: CheckResult | undefined;
  if (!o.skipCheck) {
    const creds = credentialBody(o);
    if (!creds.credential && !creds.credentials) {
      throw new UserError(
        `The connectivity check of ${name} needs a credential`,
        "Pass --credential <name> (see `acr credential list`), or --skip-check",
      );
    }
    const path = isAuth ? `/v1/auth-recipes/${name}/test` : `/v1/recipes/${name}/test`;
    check = await api
      .request<CheckResult>("POST", path, {
        ...creds,
        ...(consent ? { exposure_consent: consent } : {}),
        ...(isAuth ? { auth_recipe: recipe } : { recipe }),
        ...(o.timeout ? { timeout_ms: o.timeout } : {}),
      })
      .catch((e) => fieldErrors(e, file, source));
    if (!json) console.error(checkLine(check));
    if (!check.ok) {
      throw new UserError(
        `${name} did not pass the connectivity check (${check.diagnosis}); nothing was stored`,
        "Fix the recipe or the credential, or pass --skip-check to store it anyway",
      );
    }
  }

  // 3. store.
  const stored = await api
    .request<{ recipe: { id?: string }; consent_reused: boolean }>(
      "PUT",
      isAuth ? `/v1/auth-recipes/${name}` : `/v1/recipes/${name}`,
      {
        recipe,
        ...(consent ? { exposure_consent: consent } : {}),
      },
    )
    .catch((e) => fieldErrors(e, file, source));
  if (json)
    console.log(
      JSON.stringify({
        stored: name,
        id: stored.recipe.id ?? null,
        consent_reused: stored.consent_reused,
        check: check ?? null,
      }),
    );
  else
    console.log(
      `stored ${isAuth ? "auth recipe" : "recipe"} ${name}${stored.recipe.id ? ` (${stored.recipe.id})` : ""}`,
    );
}

export function registerRecipe(program: Command): void {
  const cmd = program.command("recipe").description("API recipes: integrations with outside services, as data");
  const json = () => Boolean(program.opts().json);
  const collect = (v: string, prev: string[] = []) => [...prev, v];

  cmd
    .command("push <file>")
    .description("Review where a recipe sends data, confirm it, check it gets through, then store it (yours only)")
    .option("--confirm-exposure", "accept the exposure without typing the name (scripts; read the review first)")
    .option("--skip-check", "store without the connectivity check")
    .option("--credential <name>", "credential to run the connectivity check with")
    .option("--credentials <key=name>", "one credential per secret (repeatable)", collect)
    .option("--timeout <ms>", "connectivity check timeout", (v) => Number.parseInt(v, 10))
    .addHelpText("after", "\nExample:\n  $ acr recipe push ./my_notify.json --credential tg_bot\n")
    .action((file: string, o: PushOptions) => push(file, o, json()));

  cmd
    .command("test <id>")
    .description("Connectivity check: one real call with your credential (status, latency, diagnosis)")
    .option("--credential <name>", "credential name")
    .option("--credentials <key=name>", "one credential per secret (repeatable)", collect)
    .option("--timeout <ms>", "timeout", (v) => Number.parseInt(v, 10))
    .addHelpText("after", "\nExample:\n  $ acr recipe test slack_post --credential slack_bot\n")
    .action(async (id: string, o: PushOptions) => {
      const r = await new ApiClient(requireConfig()).request<CheckResult>("POST", `/v1/recipes/${id}/test`, {
        ...credentialBody(o),
        ...(o.timeout ? { timeout_ms: o.timeout } : {}),
      });
      if (json()) console.log(JSON.stringify(r));
      else console.log(checkLine(r));
      if (!r.ok) process.exitCode = EXIT.failure;
    });

  cmd
    .command("search [query...]")
    .description("Search the recipes you can use")
    .addHelpText("after", "\nExample:\n  $ acr recipe search sheets\n")
    .action(async (q: string[] = []) => {
      const r = await new ApiClient(requireConfig()).request<{
        recipes: Array<{ canonical_id: string; id: string; origin: string; display_name: string }>;
      }>("GET", `/v1/recipes?q=${encodeURIComponent(q.join(" "))}`);
      if (json()) return console.log(JSON.stringify(r.recipes));
      if (!r.recipes.length) return console.log("no recipe matches");
      for (const x of r.recipes)
        console.log(`${x.canonical_id.padEnd(24)} ${x.id}  ${x.origin.padEnd(4)}  ${x.display_name}`);
    });

  cmd
    .command("pull <id>")
    .description("Download a recipe as JSON (to change it and push it as yours)")
    .option("-o, --out <file>", "write to a file instead of stdout")
    .addHelpText("after", "\nExample:\n  $ acr recipe pull telegram_send -o telegram_send.json\n")
    .action(async (id: string, o: { out?: string }) => {
      const r = await new ApiClient(requireConfig()).request<Record<string, unknown>>("GET", `/v1/recipes/${id}`);
      const { _meta, id: _id, ...recipe } = r;
      const out = `${JSON.stringify(recipe, null, 2)}\n`;
      if (o.out) {
        writeFileSync(o.out, out);
        if (!json()) console.error(`wrote ${o.out}`);
      } else process.stdout.write(out);
    });
}
