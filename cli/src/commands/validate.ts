import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Command } from "commander";
import { ApiClient } from "../api/client.js";
import { color } from "../ui/color.js";
import { UserError } from "../ui/errors.js";
import { requireConfig } from "./whoami.js";

/** One validation error, as the platform and the compiler report it. */
export interface Diagnostic {
  code: string;
  message: string;
  path?: string;
  pos?: { line: number; column: number; flowColumn?: number };
}

interface ValidateResult {
  valid: boolean;
  errors: Diagnostic[];
  warnings?: Diagnostic[];
}

/** The parts of the executor's workflow format module that `--offline` uses. */
interface FormatModule {
  compileWorkflow(
    source: string,
    catalog: { manifest(name: string): unknown; isRecipe?(name: string): boolean; names?(): string[] },
  ): { ok: true; warnings?: Diagnostic[] } | { ok: false; errors: Diagnostic[]; warnings?: Diagnostic[] };
  OFFLINE?: { manifests: Array<{ name: string }>; recipes: string[] };
}

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Loads the workflow compiler: `dist/format.js` (bundled from the executor's source at build time),
 * or, when running from source (tests, tsx), the executor's TypeScript itself.
 */
async function loadFormat(): Promise<Required<FormatModule>> {
  const bundled = join(here, "..", "format.js");
  if (existsSync(bundled)) {
    const m = (await import(pathToFileURL(bundled).href)) as Required<FormatModule>;
    return m;
  }
  const root = join(here, "..", "..", "..");
  const m = (await import(pathToFileURL(join(root, "cypher-executor/src/workflow/index.ts")).href)) as FormatModule;
  return { ...m, compileWorkflow: m.compileWorkflow, OFFLINE: readOfflineCatalog(root) };
}

/** Component manifests and seed recipe names from a checkout (the bundle embeds the same at build). */
function readOfflineCatalog(root: string): NonNullable<FormatModule["OFFLINE"]> {
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
  const manifests = list(join(root, "registry/components"))
    .map((n) => join(root, "registry/components", n, "component.json"))
    .filter(existsSync)
    .map((f) => JSON.parse(readFileSync(f, "utf8")) as { name: string });
  const recipes = list(join(root, "recipes/api"))
    .filter((f) => f.endsWith(".json"))
    .map(
      (f) => (JSON.parse(readFileSync(join(root, "recipes/api", f), "utf8")) as { canonical_id?: string }).canonical_id,
    )
    .filter((n): n is string => typeof n === "string");
  return { manifests, recipes };
}

/**
 * Compiles a workflow locally, with the built-in components and seed recipes as the catalog
 * (a tenant's own recipes are unknown offline; `rec_xxxxxxxx` ids are accepted).
 *
 * @example
 * const { valid, errors } = await validateOffline(readFileSync("flow.yaml", "utf8"));
 */
export async function validateOffline(source: string): Promise<ValidateResult> {
  const format = await loadFormat();
  const byName = new Map(format.OFFLINE.manifests.map((m) => [m.name, m]));
  const recipes = new Set(format.OFFLINE.recipes);
  const r = format.compileWorkflow(source, {
    manifest: (name) => byName.get(name),
    isRecipe: (name) => recipes.has(name) || /^rec_[0-9a-f]{8,}$/.test(name),
    names: () => [...byName.keys(), ...recipes],
  });
  const warnings = r.warnings ?? [];
  return r.ok ? { valid: true, errors: [], warnings } : { valid: false, errors: r.errors, warnings };
}

/**
 * Formats diagnostics like a compiler: `file:line:col  CODE  message`, the source line, a caret.
 * For an error inside a flow string the caret points inside the string (`flowColumn`).
 *
 * @example
 * console.error(formatDiagnostics("flow.yaml", source, errors));
 */
export function formatDiagnostics(
  file: string,
  source: string,
  errors: Diagnostic[],
  severity: "error" | "warning" = "error",
): string {
  const paint = severity === "error" ? color.red : color.yellow;
  const tag = severity === "error" ? "" : "warning ";
  const lines = source.split(/\r?\n/);
  const out: string[] = [];
  for (const e of errors) {
    if (!e.pos) {
      out.push(`${file}  ${tag}${paint(e.code)}  ${e.message}${e.path ? ` (${e.path})` : ""}`);
      continue;
    }
    const text = lines[e.pos.line - 1] ?? "";
    let col = e.pos.column;
    if (e.pos.flowColumn !== undefined) {
      const quoted = text[col - 1] === '"' || text[col - 1] === "'";
      col += (quoted ? 1 : 0) + e.pos.flowColumn - 1;
    }
    out.push(`${file}:${e.pos.line}:${col}  ${tag}${paint(e.code)}  ${e.message}`);
    out.push(`  ${text}`);
    out.push(`  ${" ".repeat(Math.max(0, col - 1))}${paint("^")}`);
  }
  return out.join("\n");
}

export function registerValidate(program: Command): void {
  program
    .command("validate <file>")
    .description("Check a workflow YAML: every error with its line and column; nothing is stored")
    .option("--offline", "compile locally with the built-in components (no platform needed)")
    .addHelpText(
      "after",
      '\nExit code 1 when the workflow has errors.\n\nExample:\n  $ acr validate examples/hello.yaml --offline\n  flow.yaml:7:22  UNKNOWN_EDGE_LABEL  Unknown edge label "ON_SUCESS" (did you mean ON_SUCCESS?)\n',
    )
    .action(async (file: string, opts: { offline?: boolean }) => {
      if (!existsSync(file)) throw new UserError(`No such file: ${file}`, "Pass the path of a workflow YAML file");
      const source = readFileSync(file, "utf8");
      const result = opts.offline
        ? await validateOffline(source)
        : await new ApiClient(requireConfig()).request<ValidateResult>("POST", "/validate", source, {
            contentType: "application/yaml",
          });
      const warnings = result.warnings ?? [];
      if (!program.opts().json && warnings.length) console.error(formatDiagnostics(file, source, warnings, "warning"));
      if (program.opts().json) console.log(JSON.stringify({ ...result, warnings }));
      else if (result.valid) {
        const note = warnings.length ? ` (${warnings.length} warning${warnings.length === 1 ? "" : "s"})` : "";
        console.log(`${color.green("✓")} ${file} is a valid workflow${note}`);
      } else {
        console.error(formatDiagnostics(file, source, result.errors));
        console.error(`\n${result.errors.length} error${result.errors.length === 1 ? "" : "s"} in ${file}`);
      }
      if (!result.valid) process.exitCode = 1;
    });
}
