/**
 * The small typed sections of a workflow: `trigger`, and the reserved node keys `retry` and `limits`.
 * Each checker returns the parsed value plus problems, each with the sub-path it concerns.
 */
import type { ComponentLimits } from "../runtime/types";
import { checkWebhookOptions, WEBHOOK_OPTION_KEYS } from "../triggers/options/index";
import { checkSignature } from "../triggers/signatures/spec";
import { CronError, parseCron } from "./cron";
import { parseDuration } from "./duration";
import { closest } from "./flow";
import type { RetryPolicy, TriggerSpec } from "./plan";

export interface SettingProblem {
  code: string;
  message: string;
  /** Sub-path below the section, e.g. `delay` for `retry.delay`. */
  path: string[];
}

const LIMIT_KEYS: Array<keyof ComponentLimits> = [
  "timeout_ms",
  "max_output_bytes",
  "max_memory_pages",
  "max_host_calls",
  "fuel",
];
const RETRY_KEYS = ["max", "backoff", "delay"];

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function unknownKey(key: string, known: string[], where: string): SettingProblem {
  const guess = closest(key, known);
  return {
    code: "UNKNOWN_KEY",
    message: `Unknown key "${key}" in ${where}${guess ? ` (did you mean "${guess}"?)` : ""}; known keys: ${known.join(", ")}`,
    path: [key],
  };
}

/**
 * Checks `trigger:`.
 *
 * @example
 * checkTrigger({ webhook: { auth: "hmac", secret: "shop" }, cron: "*\/5 * * * *" }).trigger.cron // "*\/5 * * * *"
 */
export function checkTrigger(raw: unknown): { trigger: TriggerSpec; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const trigger: TriggerSpec = {};
  if (raw === undefined || raw === null) return { trigger, problems };
  if (!isMap(raw)) {
    problems.push({
      code: "INVALID_TRIGGER",
      message: "trigger must be a mapping with `webhook` and/or `cron`",
      path: [],
    });
    return { trigger, problems };
  }
  for (const [k, v] of Object.entries(raw)) {
    if (k === "webhook") {
      if (v === true || v === null) trigger.webhook = { auth: "api_key" };
      else if (v === false) continue;
      else if (!isMap(v)) {
        problems.push({
          code: "INVALID_TRIGGER",
          message: "trigger.webhook must be a mapping: { auth, secret }",
          path: [k],
        });
      } else {
        const auth = v.auth ?? "api_key";
        if (auth !== "api_key" && auth !== "hmac" && auth !== "none") {
          problems.push({
            code: "INVALID_TRIGGER",
            message: `webhook auth must be api_key, hmac or none, not "${String(auth)}"`,
            path: [k, "auth"],
          });
          continue;
        }
        const hook: NonNullable<TriggerSpec["webhook"]> = { auth };
        if (v.secret !== undefined) {
          if (typeof v.secret !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(v.secret)) {
            problems.push({
              code: "INVALID_TRIGGER",
              message: "webhook secret must be the name of a credential",
              path: [k, "secret"],
            });
          } else hook.secret = v.secret;
        }
        if (auth === "hmac" && !hook.secret) {
          problems.push({
            code: "INVALID_TRIGGER",
            message: "webhook auth hmac needs `secret: <credential name>`",
            path: [k],
          });
        }
        if (v.signature !== undefined) {
          const sig = checkSignature(v.signature);
          for (const p of sig.problems)
            problems.push({ code: "INVALID_TRIGGER", message: p.message, path: [k, "signature", ...p.path] });
          if (sig.spec) hook.signature = sig.spec;
          if (auth !== "hmac")
            problems.push({ code: "INVALID_TRIGGER", message: "signature needs auth: hmac", path: [k, "signature"] });
        }
        const http = checkWebhookOptions(v);
        for (const p of http.problems)
          problems.push({ code: "INVALID_TRIGGER", message: p.message, path: [k, ...p.path] });
        Object.assign(hook, http.options);
        const known = ["auth", "secret", "signature", ...WEBHOOK_OPTION_KEYS];
        for (const key of Object.keys(v))
          if (!known.includes(key)) problems.push({ ...unknownKey(key, known, "trigger.webhook"), path: [k, key] });
        trigger.webhook = hook;
      }
    } else if (k === "cron") {
      if (typeof v !== "string") {
        problems.push({ code: "INVALID_CRON", message: 'cron must be a string like "*/15 * * * *"', path: [k] });
        continue;
      }
      try {
        parseCron(v);
        trigger.cron = v.trim();
      } catch (err) {
        problems.push({
          code: "INVALID_CRON",
          message: err instanceof CronError ? err.message : String(err),
          path: [k],
        });
      }
    } else if (k === "idempotency_key") {
      // A template over the request (`{{ trigger.headers['x-github-delivery'] }}`), compiled with the plan.
      if (typeof v !== "string" || v.trim() === "" || v.length > 512) {
        problems.push({
          code: "INVALID_TRIGGER",
          message: "idempotency_key must be a template such as \"{{ trigger.headers['x-github-delivery'] }}\"",
          path: [k],
        });
      } else trigger.idempotency_key = v;
    } else problems.push(unknownKey(k, ["webhook", "cron", "idempotency_key"], "trigger"));
  }
  return { trigger, problems };
}

/**
 * Checks a node's `retry:` (`{ max, backoff, delay }`, or a bare number meaning `max`).
 *
 * @example
 * checkRetry({ max: 3, backoff: "exponential", delay: "500ms" }).retry // { max: 3, backoff: "exponential", delayMs: 500 }
 */
export function checkRetry(raw: unknown): { retry?: RetryPolicy; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  if (typeof raw === "number") raw = { max: raw };
  if (!isMap(raw)) {
    return {
      problems: [
        { code: "INVALID_RETRY", message: "retry must be { max, backoff, delay } or a number of retries", path: [] },
      ],
    };
  }
  const retry: RetryPolicy = { max: 0, backoff: "fixed", delayMs: 1000 };
  for (const [k, v] of Object.entries(raw)) {
    if (k === "max") {
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 10) {
        problems.push({ code: "INVALID_RETRY", message: "retry.max must be a whole number from 0 to 10", path: [k] });
      } else retry.max = v;
    } else if (k === "backoff") {
      if (v !== "fixed" && v !== "exponential") {
        problems.push({
          code: "INVALID_RETRY",
          message: `retry.backoff must be fixed or exponential, not "${String(v)}"`,
          path: [k],
        });
      } else retry.backoff = v;
    } else if (k === "delay") {
      try {
        if (typeof v !== "string" && typeof v !== "number")
          throw new RangeError("retry.delay must be a duration like 500ms or 2s");
        retry.delayMs = parseDuration(v);
        if (retry.delayMs > 3_600_000) throw new RangeError("retry.delay must be at most 1h");
      } catch (err) {
        problems.push({ code: "INVALID_DURATION", message: (err as Error).message, path: [k] });
      }
    } else problems.push(unknownKey(k, RETRY_KEYS, "retry"));
  }
  return { retry, problems };
}

/**
 * Checks a node's `limits:` (positive whole numbers; the runtime clamps them to the platform maxima).
 *
 * @example
 * checkLimits({ timeout_ms: 10000 }).limits // { timeout_ms: 10000 }
 */
export function checkLimits(raw: unknown): { limits?: ComponentLimits; problems: SettingProblem[] } {
  if (!isMap(raw)) {
    return {
      problems: [{ code: "INVALID_LIMITS", message: `limits must be a mapping of ${LIMIT_KEYS.join(", ")}`, path: [] }],
    };
  }
  const problems: SettingProblem[] = [];
  const limits: ComponentLimits = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!(LIMIT_KEYS as string[]).includes(k)) {
      problems.push({ ...unknownKey(k, LIMIT_KEYS, "limits"), code: "INVALID_LIMITS" });
      continue;
    }
    let n = v;
    if (k === "timeout_ms" && typeof v === "string") {
      try {
        n = parseDuration(v);
      } catch (err) {
        problems.push({ code: "INVALID_DURATION", message: (err as Error).message, path: [k] });
        continue;
      }
    }
    if (typeof n !== "number" || !Number.isInteger(n) || n <= 0) {
      problems.push({ code: "INVALID_LIMITS", message: `limits.${k} must be a positive whole number`, path: [k] });
      continue;
    }
    limits[k as keyof ComponentLimits] = n;
  }
  return { limits, problems };
}
