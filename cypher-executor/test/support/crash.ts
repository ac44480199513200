import { execFileSync } from "node:child_process";
import { expect } from "vitest";

/**
 * SIGKILLs the workerd processes this test process started: the platform "crashes" with no chance to
 * finish or flush anything, as after `kill -9` or a power loss.
 *
 * @example
 * killWorkerd(); const p2 = await startTestPlatform({ ...sameState });
 */
export function killWorkerd(): void {
  const out = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" });
  const pids = out
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter(([, comm]) => comm === "workerd")
    .map(([pid]) => Number(pid));
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) process.kill(pid, "SIGKILL");
}
