import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../support/acr-process";

// The README's first screen, word for word, on a fresh clone of this commit: `npm ci && npm start`, then
// the `npx acr …` commands it shows next. The npx commands run with the npm registry pointed at a dead
// address: a command that fell through to a registry package (`acr` is not ours there) fails here.
const root = join(import.meta.dirname, "..", "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The commands of the README's first screen: the "Two commands" block and the `npx acr` line after it. */
function firstScreen(): { start: string; npx: string[] } {
  const block = /## Two commands\s+```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  const start =
    block
      .split("\n")
      .find((l) => l.startsWith("npm ci"))
      ?.split("#")[0]
      ?.trim() ?? "";
  const after = readme.slice(
    readme.indexOf("## Two commands"),
    readme.indexOf("\n## ", readme.indexOf("## Two commands") + 3),
  );
  const npx = [...after.matchAll(/`(npx acr [^`]+)`/g)].map((m) => m[1] ?? "");
  return { start, npx };
}

let server: ChildProcess | undefined;
afterAll(async () => {
  if (server && server.exitCode === null) {
    // `sh -c` runs npm, which runs node: stop the whole process group.
    const exited = new Promise((r) => server?.on("exit", r));
    process.kill(-(server.pid ?? 0), "SIGINT");
    await exited;
  }
});

describe("README first screen on a fresh clone", () => {
  it("npm ci && npm start, then every npx acr command shown, as written", async () => {
    const { start, npx } = firstScreen();
    expect(start).toBe("npm ci && npm start");
    expect(npx.length).toBeGreaterThanOrEqual(3);

    const clone = mkdtempSync(join(tmpdir(), "arcrun-clone-"));
    const sha = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
    execFileSync("git", ["clone", "--quiet", "--no-checkout", root, clone]);
    execFileSync("git", ["checkout", "--quiet", sha], { cwd: clone });
    expect(existsSync(join(clone, "node_modules"))).toBe(false);

    const port = await freePort();
    const env = {
      ...process.env,
      ARCRUN_PORT: String(port),
      ARCRUN_URL: "",
      ARCRUN_API_KEY: "",
      ARCRUN_HOME: join(clone, ".home"),
      NO_COLOR: "1",
      npm_config_prefer_offline: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
    };
    server = spawn("sh", ["-c", start], { cwd: clone, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let out = "";
    server.stdout?.on("data", (d) => {
      out += d;
    });
    server.stderr?.on("data", (d) => {
      out += d;
    });
    const deadline = Date.now() + 840_000;
    while (!out.includes("arcrun is running locally") && Date.now() < deadline && server.exitCode === null) {
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(out).toContain("arcrun is running locally");
    expect(out).toContain(`http://127.0.0.1:${port}`);
    expect(existsSync(join(clone, "node_modules", ".bin", "acr"))).toBe(true);

    // From the checkout and from a subfolder, with no registry reachable.
    const offline = { ...env, npm_config_registry: "http://127.0.0.1:9/", npm_config_offline: "true" };
    for (const cmd of npx) {
      for (const cwd of [clone, join(clone, "examples")]) {
        if (/^npx acr tail\b/.test(cmd)) {
          // Follows until Ctrl-C: it must say it follows (a live stream from npm start's platform), then stop on SIGINT.
          // Its own process group, so Ctrl-C can be sent as a terminal sends it: to npm and acr alike.
          const tail = spawn("sh", ["-c", `exec ${cmd}`], {
            cwd,
            env: offline,
            stdio: ["ignore", "pipe", "pipe"],
            detached: true,
          });
          let err = "";
          tail.stderr?.on("data", (d) => {
            err += d;
          });
          const until = Date.now() + 60_000;
          while (!err.includes("following") && Date.now() < until && tail.exitCode === null) {
            await new Promise((r) => setTimeout(r, 200));
          }
          expect(err, `${cmd} (in ${cwd})`).toContain("following executions (live stream");
          // npm exec ends by Ctrl-C's signal or with acr's code, which is 0 (cli/test/tail.test.ts).
          const end = await new Promise<string>((r) => {
            const stuck = setTimeout(() => {
              process.kill(-(tail.pid ?? 0), "SIGKILL");
              r("still running 10 s after Ctrl-C");
            }, 10_000);
            tail.on("exit", (c, sig) => {
              clearTimeout(stuck);
              r(String(c ?? sig));
            });
            process.kill(-(tail.pid ?? 0), "SIGINT");
          });
          expect(["0", "SIGINT"], `${cmd} (in ${cwd}) after Ctrl-C: ${err}`).toContain(end);
          continue;
        }
        let r: { code: number; out: string };
        try {
          r = { code: 0, out: execFileSync("sh", ["-c", cmd], { cwd, env: offline, encoding: "utf8" }) };
        } catch (e) {
          const err = e as { status: number; stdout: string; stderr: string };
          r = { code: err.status, out: `${err.stdout}${err.stderr}` };
        }
        expect(r.code, `${cmd} (in ${cwd}): ${r.out}`).toBe(0);
        if (cmd.includes("run hello")) expect(r.out).toContain("Hello Ada");
      }
    }
  }, 900_000);
});
