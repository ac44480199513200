/**
 * Figures a security test reports for the suite's summary (scripts/test-summary.mjs prints them after
 * `npm run test:security` and `npm test`). A test files one row per area: what it tried, what the platform
 * refused, how many answers were 5xx, and how many breaches it found (leaks, SSRF reaches, plaintext
 * secrets, latency over the bound). The assertions stay in the tests: the summary only reports.
 */
import { appendFileSync } from "node:fs";

export interface SecurityFigures {
  /** Inputs, requests or probes the test sent. */
  tried: number;
  /** Of those, answered with a refusal (4xx, a located error, a blocked destination). */
  refused?: number;
  /** Answers with a 5xx status. */
  serverErrors?: number;
  /** Leaks, SSRF reaches, plaintext secret findings, runaway samples over the bound. */
  breaches: number;
  /** One line of context (a figure the row needs, e.g. a p99). */
  note?: string;
}

/**
 * Adds a row to the summary file named by `ARCRUN_TEST_SUMMARY` (set by the npm scripts); without it,
 * prints the row, so a single file run alone still shows its figures.
 *
 * @example
 * reportFigures("tenant matrix", { tried: 100, serverErrors: 0, breaches: 0, note: "50 routes" });
 */
export function reportFigures(area: string, figures: SecurityFigures): void {
  const row = JSON.stringify({ area, ...figures });
  const file = process.env.ARCRUN_TEST_SUMMARY;
  if (file) appendFileSync(file, `${row}\n`);
  else console.log(`security figures: ${row}`);
}
