// Helpers of the console's browser tests: the platform (`acr dev`, started as `npm start` starts it) and Debian's
// Chromium, axe-core checks, the CodeMirror editor, the keyboard, and the API called with the key.
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { expect } from "vitest";
import { AcrProcess, freePort } from "../../../cli/test/support/acr-process";

export const CHROMIUM = process.env.ARCRUN_CHROMIUM ?? "/usr/bin/chromium";
export const root = join(import.meta.dirname, "..", "..", "..");
/**
 * Screenshots: the committed ones in docs/console/ (linked from the README and docs/console.md) are rewritten
 * only with `ARCRUN_SCREENSHOTS=docs`; otherwise a test run writes them to a temporary folder, so running the
 * tests leaves the checkout clean.
 */
export const shots =
  process.env.ARCRUN_SCREENSHOTS === "docs"
    ? join(root, "docs", "console")
    : mkdtempSync(join(tmpdir(), "arcrun-console-shots-"));
export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);

export interface ConsoleRun {
  dev: { url: string; apiKey: string; ns: string };
  /** The console URL `acr dev` printed. */
  consoleUrl: string;
  /** The platform's credential encryption key (its key file, named by state/platform.json), which the credentials page asks for. */
  encryptionKey: string;
  browser: Browser;
  page: Page;
  stop(): Promise<void>;
}

/**
 * Starts `acr dev` on a free port with a fresh state, as `npm start` starts it (no --json): the console URL and the
 * key are read from the banner a person sees. Then Chromium, with one page.
 *
 * @example
 * const run = await startConsole(); await run.page.goto(run.consoleUrl); await run.stop();
 */
export async function startConsole(): Promise<ConsoleRun> {
  const cwd = mkdtempSync(join(tmpdir(), "arcrun-console-"));
  const port = await freePort();
  const acr = AcrProcess.spawn(["dev", "--port", String(port), "--state", join(cwd, "state")], cwd);
  const banner = await acr.waitFor((out) => {
    const url = /^ {2}console {2}(\S+)/m.exec(out)?.[1];
    const apiKey = /^ {2}API key {2}(\S+)/m.exec(out)?.[1];
    const ns = /^ {2}ns +(\S+)/m.exec(out)?.[1];
    return url && apiKey && ns && out.includes("Ctrl-C stops") ? { url, apiKey, ns } : undefined;
  });
  // The platform key lives outside the state folder; platform.json names its file (cli/src/platform/secrets-store.ts).
  const keyFile = JSON.parse(readFileSync(join(cwd, "state", "platform.json"), "utf8")).key_file;
  const encryptionKey = JSON.parse(readFileSync(keyFile, "utf8")).encryptionKey;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  // A missing element fails with its locator well before the test's own timeout.
  page.setDefaultTimeout(10_000);
  mkdirSync(shots, { recursive: true });
  return {
    dev: { url: banner.url.replace(/\/console\/$/, ""), apiKey: banner.apiKey, ns: banner.ns },
    consoleUrl: banner.url,
    encryptionKey,
    browser,
    page,
    async stop() {
      await browser.close();
      await acr.stop("SIGINT");
    },
  };
}

/** Signs in through the page with the printed key and waits for the workflow list. */
export async function signIn(run: ConsoleRun): Promise<void> {
  await run.page.goto(run.consoleUrl);
  await run.page.getByLabel("API key").fill(run.dev.apiKey);
  await run.page.getByRole("button", { name: "Sign in" }).click();
  await run.page.getByRole("heading", { name: "Workflows" }).waitFor();
}

/** Presses Tab until the focused element matches `selector` (at most 40 times); false when it never does. */
export async function tabTo(page: Page, selector: string): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return true;
  }
  return false;
}

/** Elements sticking out past a 390 px viewport (the canvas and the editor scroll inside themselves). */
export function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > 391 && !e.closest(".react-flow, .cm-scroller"))
      .slice(0, 5)
      .map((e) => `${e.tagName}.${e.className}`.slice(0, 120)),
  );
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core on the current page: no serious or critical violation. */
export async function expectAccessible(p: Page, where: string): Promise<void> {
  // evaluate is not subject to the page's CSP (which allows no inline script).
  await p.evaluate(axeSource);
  const result = await p.evaluate(async () => {
    const r = await (
      window as unknown as {
        axe: {
          run: (
            o: unknown,
          ) => Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown }> }> }>;
        };
      }
    ).axe.run({
      resultTypes: ["violations"],
    });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target) }));
  });
  const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad, `${where}: ${JSON.stringify(bad)}`).toEqual([]);
}

/** Replaces the CodeMirror document with `text` (as a paste would). */
export async function setEditor(p: Page, text: string): Promise<void> {
  await p.locator(".cm-content").click();
  await p.keyboard.press("Control+A");
  await p.keyboard.insertText(text);
}

/**
 * The API as a script would call it (with the key, not the browser's session).
 *
 * @example
 * const run = await callApi(dev, "POST", "/v1/workflows/hello/runs", { name: "Ada" });
 */
export async function callApi<T = Record<string, unknown>>(
  dev: { url: string; apiKey: string },
  method: string,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${dev.apiKey}`, ...extraHeaders };
  let payload: string | undefined;
  if (typeof body === "string") {
    headers["content-type"] = "application/yaml";
    payload = body;
  } else if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${dev.url}${path}`, { method, headers, body: payload });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export interface ExecutionJson {
  id: string;
  status: string;
  input: unknown;
  resumes?: number;
  nodes: Record<string, { status: string; data?: unknown }>;
}
