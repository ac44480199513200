import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reportFigures } from "./support/summary";

// No real-looking secret is committed in what users copy from: examples/, docs/, the READMEs and the
// component READMEs and cases. A token that only looks real (right prefix, right length, high entropy)
// is as bad as a real one: it trains readers to paste real ones, and scanners flag the repository.
// Placeholders are fine when they say so: `xxx`, `...`, `<...>`, `your_`, `example`, `test`, repeats.

const root = join(import.meta.dirname, "..", "..", "..");

/** The files scanned: tracked by git, under the paths users read and copy. */
function scannedFiles(): string[] {
  const out = execFileSync(
    "git",
    [
      "ls-files",
      "--",
      "examples",
      "docs",
      "README.md",
      "registry/components",
      "cli/README.md",
      "js-sdk/README.md",
      "python-sdk/README.md",
    ],
    { cwd: root, encoding: "utf8" },
  );
  return out
    .split("\n")
    .filter((f) => f && /\.(md|ya?ml|json|txt|ts|py|sh|toml|env|example)$/.test(f))
    .filter((f) => !f.endsWith("crypto-vectors.json"));
}

const PATTERNS: Array<[string, RegExp]> = [
  ["private key", /-----BEGIN (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----/g],
  ["AWS access key", /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g],
  ["GitHub token", /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g],
  ["GitHub fine-grained token", /\bgithub_pat_[A-Za-z0-9_]{60,}\b/g],
  ["Slack token", /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g],
  ["Stripe live key", /\b(?:sk|rk)_live_[A-Za-z0-9]{16,}\b/g],
  ["Google API key", /\bAIza[0-9A-Za-z_-]{35}\b/g],
  ["OpenAI key", /\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}\b/g],
  ["Anthropic key", /\bsk-ant-[A-Za-z0-9_-]{32,}\b/g],
  ["Telegram bot token", /\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b/g],
  ["arcrun API key", /\bacr_[0-9a-f]{48}\b/g],
  ["arcrun admin token", /\badm_[0-9a-f]{48}\b/g],
  ["JWT", /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}/g],
  ["SendGrid key", /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/g],
  ["32-byte base64 key", /(?:encryption_key|ENCRYPTION_KEY|encryptionKey)["']?\s*[:=]\s*["']?[A-Za-z0-9+/]{43}=/g],
];

/** Shannon entropy in bits per character. */
function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

/** True when the match says it is a placeholder, or is too regular to be a real secret. */
function placeholder(match: string): boolean {
  if (
    /x{4,}|X{4,}|\.\.\.|<[^>]*>|your[_-]|example|dummy|placeholder|fake|test|sample|redacted|0{8,}|1234567/i.test(match)
  )
    return true;
  const body = match.replace(/^[a-z]+[_-]|^-----.*-----$/i, "");
  return body.length >= 16 && entropy(body) < 3.0;
}

describe("secret scan of examples and docs", () => {
  const files = scannedFiles();

  it("scans the files users copy from", () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it("finds no real-looking secret", () => {
    const found: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(root, f), "utf8");
      for (const [what, re] of PATTERNS) {
        for (const m of text.matchAll(re)) {
          if (placeholder(m[0])) continue;
          const line = text.slice(0, m.index).split("\n").length;
          found.push(`${f}:${line}: ${what} (${m[0].slice(0, 12)}…)`);
        }
      }
    }
    console.log(`secret scan: ${files.length} files, ${found.length} findings`);
    reportFigures("secret scan: examples and docs", {
      tried: files.length,
      breaches: found.length,
      note: "real-looking keys and tokens in files users copy from",
    });
    expect(found).toEqual([]);
  });

  it("the scanner sees a real-looking token (control)", () => {
    const fake = `token: ghp_${"aZ3kQ9mN2pL8xR5tV1wB7cD4eF6gH0jK2sU9"}`;
    const hits = PATTERNS.flatMap(([, re]) => [...fake.matchAll(re)].map((m) => m[0])).filter((m) => !placeholder(m));
    expect(hits.length).toBe(1);
  });
});
