import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  localize,
  type StandIn,
  seedFile,
  startStandIn,
  storeCredential,
} from "../../cypher-executor/test/recipes-helpers";
import { startTestPlatform, type TestPlatform } from "../../cypher-executor/test/support/platform";
import { confirmExposure, type ExposureReview } from "../src/commands/recipe";

// `acr recipe …` as a user runs it: the built CLI in a child process (no TTY), the real platform on workerd.
// Each spawn starts a whole Node process; on a loaded machine that takes seconds, hence the long test timeouts.
const bin = join(import.meta.dirname, "..", "dist", "bin.js");
type Json = Record<string, any>;

let p: TestPlatform;
let s: StandIn;
let dir: string;

function acr(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: dir,
      env: { ...process.env, ARCRUN_URL: p.url, ARCRUN_API_KEY: p.apiKey, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}

function writeRecipe(name: string, recipe: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(recipe, null, 2));
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "acr-recipe-"));
  s = await startStandIn((r) => {
    if (r.path === "/slow/getMe") return "hang";
    if (r.path === "/botgood-token/getMe") return { status: 200, json: { ok: true, result: { id: 1, is_bot: true } } };
    if (r.path.endsWith("/getMe"))
      return { status: 401, json: { ok: false, error_code: 401, description: "Unauthorized" } };
    return { status: 404, json: { ok: false, error_code: 404, description: "Not Found" } };
  });
  p = await startTestPlatform({ allowHosts: ["127.0.0.1"] });
  await p.call("POST", "/v1/init/seed");
  await storeCredential(p, "tg_good", "good-token");
  await storeCredential(p, "tg_bad", "bad-token");
});
afterAll(async () => {
  await p?.dispose();
  await s?.close();
});

describe("acr recipe push: exposure gatekeeping", { timeout: 180_000 }, () => {
  it("without a TTY and without --confirm-exposure: shows the warning, refuses, stores nothing", async () => {
    const file = writeRecipe("telegram.auth.json", localize(seedFile("auth", "telegram"), s));
    const r = await acr(["recipe", "push", file, "--credential", "tg_good"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("telegram will send data to:");
    expect(r.err).toContain(`http://${s.host}`);
    expect(r.err).toMatch(/DANGER\s+.*plain http/);
    expect(r.err).toContain("Refusing to store telegram");
    expect(r.err).toContain("--confirm-exposure");
    const stored = (await (await p.call("GET", "/v1/auth-recipes/telegram")).json()) as Json;
    expect(stored._meta.origin).toBe("seed");
  });

  it("a failing connectivity check (401) stores nothing and says why", async () => {
    const file = join(dir, "telegram.auth.json");
    const r = await acr(["recipe", "push", file, "--credential", "tg_bad", "--confirm-exposure"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("BAD_CREDENTIAL");
    expect(r.err).toContain("HTTP 401");
    expect(r.err).toContain("nothing was stored");
    const stored = (await (await p.call("GET", "/v1/auth-recipes/telegram")).json()) as Json;
    expect(stored._meta.origin).toBe("seed");
  });

  it("--confirm-exposure + a passing check: stored with the consent recorded for audit", async () => {
    const file = join(dir, "telegram.auth.json");
    const r = await acr(["--json", "recipe", "push", file, "--credential", "tg_good", "--confirm-exposure"]);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as Json;
    expect(out).toMatchObject({
      stored: "telegram",
      consent_reused: false,
      check: { ok: true, status: 200, diagnosis: "OK" },
    });
    const stored = (await (await p.call("GET", "/v1/auth-recipes/telegram")).json()) as Json;
    expect(stored._meta.origin).toBe("user");
    expect(stored._meta.exposure_consent).toMatchObject({ confirmed_by_human: true, understood: true, via: "flag" });
  });

  it("re-pushing an unchanged exposure does not ask again, even without a TTY", async () => {
    const api = localize(seedFile("api", "telegram_send"), s);
    expect(
      (await acr(["recipe", "push", writeRecipe("tg_send.json", api), "--skip-check", "--confirm-exposure"])).code,
    ).toBe(0);
    const again = await acr([
      "recipe",
      "push",
      writeRecipe("tg_send2.json", { ...api, description: "new words" }),
      "--skip-check",
    ]);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain("exposure unchanged");
    expect(again.out).toContain("stored recipe telegram_send");
  });

  it("an invalid recipe names the file and each bad field", async () => {
    const file = writeRecipe("bad.json", { canonical_id: "Bad Name", display_name: "", endpoint: "ftp://x" });
    const r = await acr(["recipe", "push", file, "--skip-check", "--confirm-exposure"]);
    expect(r.code).toBe(1);
    // JSON.stringify(…, null, 2) puts canonical_id on line 2 and endpoint on line 4, both at column 3.
    expect(r.err).toContain(`${file}:2:3: canonical_id:`);
    expect(r.err).toContain(`${file}:4:3: endpoint:`);
    const broken = join(dir, "broken.json");
    writeFileSync(broken, '{\n  "canonical_id": "x",\n  oops\n}');
    const r2 = await acr(["recipe", "push", broken, "--skip-check"]);
    expect(r2.err).toMatch(/broken\.json:3:\d+: not valid JSON/);
  });
});

describe("acr recipe test: connectivity diagnoses", { timeout: 180_000 }, () => {
  it("200 OK, 401 bad credential, 404 wrong base URL, timeout", async () => {
    const ok = await acr(["--json", "recipe", "test", "telegram_send", "--credential", "tg_good"]);
    expect(JSON.parse(ok.out)).toMatchObject({ ok: true, status: 200, diagnosis: "OK" });
    const bad = await acr(["recipe", "test", "telegram_send", "--credential", "tg_bad"]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain("BAD_CREDENTIAL  HTTP 401");

    const wrong = {
      ...localize(seedFile("auth", "telegram"), s),
      test: { method: "GET", path: "/nothing-here", expect_status: 200 },
    };
    await acr(["recipe", "push", writeRecipe("tg404.json", wrong), "--skip-check", "--confirm-exposure"]);
    const nf = await acr(["--json", "recipe", "test", "telegram_send", "--credential", "tg_good"]);
    expect(JSON.parse(nf.out)).toMatchObject({ ok: false, status: 404, diagnosis: "WRONG_BASE_URL" });

    const slow = { ...wrong, inject: { path: "/slow" }, test: { method: "GET", path: "/getMe", expect_status: 200 } };
    await acr(["recipe", "push", writeRecipe("tgslow.json", slow), "--skip-check", "--confirm-exposure"]);
    const to = await acr(["--json", "recipe", "test", "telegram_send", "--credential", "tg_good", "--timeout", "300"]);
    expect(JSON.parse(to.out)).toMatchObject({ ok: false, diagnosis: "TIMEOUT" });
  });
});

describe("acr recipe search | pull, acr auth-recipe list | scaffold", { timeout: 180_000 }, () => {
  it("search finds seed recipes; pull writes a pushable file without server metadata", async () => {
    const r = await acr(["--json", "recipe", "search", "sheets"]);
    expect((JSON.parse(r.out) as Json[]).map((x) => x.canonical_id)).toEqual([
      "google_sheets_append",
      "google_sheets_read",
    ]);
    const out = join(dir, "pulled.json");
    expect((await acr(["recipe", "pull", "line_push", "-o", out])).code).toBe(0);
    const pulled = JSON.parse(readFileSync(out, "utf8")) as Json;
    expect(pulled.canonical_id).toBe("line_push");
    expect(pulled._meta).toBeUndefined();
  });

  it("auth-recipe list shows the seeds; scaffold writes a recipe the platform accepts", async () => {
    const list = JSON.parse((await acr(["--json", "auth-recipe", "list"])).out) as Json[];
    expect(list.length).toBeGreaterThanOrEqual(26);
    for (const kind of ["static_key", "oauth2", "service_account"]) {
      const file = join(dir, `acme_${kind}.json`);
      expect((await acr(["auth-recipe", "scaffold", `acme_${kind}`, "--primitive", kind, "-o", file])).code).toBe(0);
      const review = await p.call("POST", "/v1/recipes/review", { recipe: JSON.parse(readFileSync(file, "utf8")) });
      expect(review.status, await review.clone().text()).toBe(200);
    }
    const dup = await acr(["auth-recipe", "scaffold", "acme_static_key", "-o", join(dir, "acme_static_key.json")]);
    expect(dup.code).toBe(1);
    expect(dup.err).toContain("already exists");
  });
});

describe("confirmExposure (the interactive question)", () => {
  const review: ExposureReview = {
    subject: { kind: "api_recipe", name: "notify" },
    destinations: [
      { host: "hooks.example.com", scheme: "https", allowed: false, sends: ["workflow data (step input)"] },
    ],
    findings: [
      {
        code: "HOST_NOT_ALLOWED",
        severity: "danger",
        message: "hooks.example.com is not in allowed_hosts",
        where: "endpoint",
      },
    ],
    fingerprint: "f",
  };
  const quiet = () => {};

  it("asks the human to type the name; the right name gives a consent with typed_name", async () => {
    const asked: string[] = [];
    const consent = await confirmExposure(review, "notify", {
      interactive: true,
      print: quiet,
      ask: async (m) => {
        asked.push(m);
        return "notify";
      },
    });
    expect(asked[0]).toContain('Type the name "notify"');
    expect(consent).toMatchObject({
      confirmed_by_human: true,
      understood: true,
      typed_name: "notify",
      via: "typed_name",
    });
  });

  it("a wrong name, a cancel, or no terminal refuses", async () => {
    await expect(
      confirmExposure(review, "notify", { interactive: true, print: quiet, ask: async () => "notif" }),
    ).rejects.toThrow(/Not confirmed/);
    await expect(
      confirmExposure(review, "notify", { interactive: true, print: quiet, ask: async () => null }),
    ).rejects.toThrow(/Not confirmed/);
    await expect(confirmExposure(review, "notify", { interactive: false, print: quiet })).rejects.toThrow(/Refusing/);
  });

  it("prints every destination and finding before asking", async () => {
    const lines: string[] = [];
    await confirmExposure(review, "notify", { flag: true, interactive: false, print: (l) => lines.push(l) });
    expect(lines.join("\n")).toContain("https://hooks.example.com   (NOT in allowed_hosts)");
    expect(lines.join("\n")).toContain("DANGER   hooks.example.com is not in allowed_hosts  [endpoint]");
  });
});
