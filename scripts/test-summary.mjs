// The security suite's summary: rows filed by the tests (cypher-executor/test/security/support/summary.ts)
// into one JSON-lines file, printed as a table after the run, with totals.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A fresh summary file for a run; its path goes to the tests in `ARCRUN_TEST_SUMMARY`.
 *
 * @example
 * const s = summaryFile(); process.env.ARCRUN_TEST_SUMMARY = s.path; ...; s.print(); s.remove();
 */
export function summaryFile() {
  const dir = mkdtempSync(join(tmpdir(), "arcrun-summary-"));
  const path = join(dir, "security.jsonl");
  return {
    path,
    rows() {
      let text = "";
      try {
        text = readFileSync(path, "utf8");
      } catch {
        return [];
      }
      return text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    },
    /** Prints the table. It reports only: the tests themselves assert their bounds. */
    print(log = console.log) {
      const rows = this.rows();
      if (rows.length === 0) return;
      rows.sort((a, b) => a.area.localeCompare(b.area));
      const n = (v) => (v === undefined ? "-" : String(v));
      const width = Math.max(...rows.map((r) => r.area.length), 4);
      log("\nsecurity summary (what the security tests tried, and what got through):");
      log("  breaches: leaks, SSRF reaches, secrets found, stack traces, runaway samples over 100 ms");
      log(
        `  ${"area".padEnd(width)}  ${"tried".padStart(6)}  ${"refused".padStart(7)}  ${"5xx".padStart(4)}  ${"breaches".padStart(8)}  note`,
      );
      const total = { tried: 0, refused: 0, serverErrors: 0, breaches: 0 };
      for (const r of rows) {
        total.tried += r.tried;
        total.refused += r.refused ?? 0;
        total.serverErrors += r.serverErrors ?? 0;
        total.breaches += r.breaches;
        log(
          `  ${r.area.padEnd(width)}  ${n(r.tried).padStart(6)}  ${n(r.refused).padStart(7)}  ${n(r.serverErrors).padStart(4)}  ${n(r.breaches).padStart(8)}  ${r.note ?? ""}`,
        );
      }
      log(
        `  ${"total".padEnd(width)}  ${String(total.tried).padStart(6)}  ${String(total.refused).padStart(7)}  ${String(total.serverErrors).padStart(4)}  ${String(total.breaches).padStart(8)}  ${rows.length} areas`,
      );
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
