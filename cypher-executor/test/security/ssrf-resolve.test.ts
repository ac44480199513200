import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reportFigures } from "./support/summary";

// SSRF by resolution: a name whose spelling is public but which resolves to loopback or a private
// range. A network namespace holds only loopback; a private /etc/hosts is the resolver.
// CI must run it (.ci/run installs util-linux and iproute2); elsewhere it is skipped without them.
const canUnshare = spawnSync("unshare", ["-rmn", "true"]).status === 0;

describe.skipIf(!canUnshare && !process.env.CI)("SSRF by name resolution (acr dev, netns + fake resolver)", () => {
  it("refuses names resolving to loopback/private; only the operator's exact host:port is reachable", () => {
    const dir = mkdtempSync(join(tmpdir(), "arcrun-ssrf-"));
    const hosts = join(dir, "hosts");
    writeFileSync(hosts, "127.0.0.1 evil.test allowed.test rebind.test\n10.0.0.1 rebind.test\n");
    const child = join(__dirname, "ssrf-resolve.child.ts");
    const tsx = join(__dirname, "..", "..", "..", "node_modules", ".bin", "tsx");
    const script = `ip link set lo up && mount --bind "${hosts}" /etc/hosts && exec "${tsx}" "${child}"`;
    const run = spawnSync("unshare", ["-rmn", "sh", "-c", script], { encoding: "utf8", timeout: 90_000 });
    const line = run.stdout.split("\n").find((l) => l.startsWith("RESULT "));
    expect(line, run.stderr.slice(-2000)).toBeDefined();
    const out = JSON.parse(line?.slice(7) ?? "{}") as Record<string, { status: number; reached: boolean }>;
    const entries = Object.entries(out);
    expect(entries).toHaveLength(5);
    const [allowed, ...refused] = [entries.at(-1), ...entries.slice(0, -1)];
    reportFigures("SSRF: names resolving to loopback/private (netns)", {
      tried: entries.length,
      refused: refused.filter(([, r]) => r.status === 422).length,
      breaches: refused.filter(([, r]) => r.reached).length,
      note: "only the operator's exact host:port reached",
    });
    for (const [url, r] of refused) expect({ url, ...r }).toMatchObject({ url, reached: false, status: 422 });
    expect(allowed?.[1]).toMatchObject({ reached: true, status: 200 });
  }, 120_000);
});
