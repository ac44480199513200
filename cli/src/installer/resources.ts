import {
  type CloudflareApi,
  CloudflareApiError,
  createKvNamespace,
  createR2Bucket,
  listKvNamespaces,
  listR2Buckets,
} from "../cloudflare/index.js";
import { KV_BINDINGS } from "../platform/local.js";
import { UserError } from "../ui/errors.js";
import type { InstallContext } from "./context.js";

/** `arcrun-webhooks`, `arcrun-credentials`, `arcrun-exec-context`, … */
export function kvTitle(prefix: string, binding: string): string {
  return `${prefix}-${binding.toLowerCase().replace(/_kv$/, "").replace(/_/g, "-")}`;
}

export function r2BucketName(prefix: string): string {
  return `${prefix}-wasm`;
}

/**
 * Makes sure the seven KV namespaces exist, reusing those found by title (all pages) and creating only
 * the missing ones. Refuses when the state file records an id that is no longer there, or a different
 * one than the namespace of that title: creating a fresh empty namespace there would hide the user's
 * data (the failure of an earlier installer that lost workflows and logins).
 */
export async function ensureKvNamespaces(ctx: InstallContext, cf: CloudflareApi): Promise<Record<string, string>> {
  const existing = await listKvNamespaces(cf);
  const byTitle = new Map(existing.map((n) => [n.title, n.id]));
  const ids = new Set(existing.map((n) => n.id));
  const out: Record<string, string> = {};
  const toCreate: string[] = [];
  for (const binding of KV_BINDINGS) {
    const title = kvTitle(ctx.prefix, binding);
    const recorded = ctx.state.kv[binding];
    const found = byTitle.get(title);
    if (recorded && !ids.has(recorded)) {
      throw new UserError(
        `KV namespace ${binding} (${title}) was recorded with id ${recorded}, but the account no longer has it`,
        `Nothing was created. If you deleted it on purpose, remove "${binding}" from ${ctx.stateFile} and run again; otherwise check CLOUDFLARE_ACCOUNT_ID`,
      );
    }
    if (recorded && found && found !== recorded) {
      throw new UserError(
        `KV namespace ${title} has id ${found}, but this installation recorded ${recorded} for ${binding}`,
        `Nothing was changed. Check which namespace holds your data, then fix "${binding}" in ${ctx.stateFile}`,
      );
    }
    const id = recorded ?? found;
    if (id) out[binding] = id;
    else toCreate.push(binding);
  }
  if (ctx.mode === "update" && toCreate.length > 0) {
    // An update never creates storage: missing storage means the wrong account, prefix or state.
    throw new UserError(
      `The installation has no KV namespace for ${toCreate.join(", ")} (${toCreate.map((b) => kvTitle(ctx.prefix, b)).join(", ")})`,
      "Nothing was created. Run `acr init --self-hosted` to create missing storage, after checking the account and --prefix",
    );
  }
  for (const binding of toCreate) {
    const title = kvTitle(ctx.prefix, binding);
    const created = await ctx.mutate(`POST ${cf.account("/storage/kv/namespaces")} {"title":"${title}"}`, async () => {
      try {
        return (await createKvNamespace(cf, title)).id;
      } catch (err) {
        // Created by a concurrent or cut-off run after our listing: adopt it instead of failing.
        if (err instanceof CloudflareApiError && err.hasCode(10014)) {
          const again = (await listKvNamespaces(cf)).find((n) => n.title === title);
          if (again) return again.id;
        }
        throw err;
      }
    });
    out[binding] = created ?? `(new id of ${title})`;
    if (created) {
      ctx.state.kv[binding] = created;
      ctx.save();
    }
  }
  for (const [b, id] of Object.entries(out)) if (!ctx.dryRun) ctx.state.kv[b] = id;
  ctx.save();
  return out;
}

/** Makes sure the R2 bucket exists, reusing it by name (every cursor page). */
export async function ensureR2Bucket(ctx: InstallContext, cf: CloudflareApi): Promise<string> {
  const name = r2BucketName(ctx.prefix);
  const buckets = await listR2Buckets(cf);
  if (buckets.some((b) => b.name === name)) {
    ctx.state.r2 = name;
    ctx.save();
    return name;
  }
  if (ctx.state.r2 === name) {
    throw new UserError(
      `R2 bucket ${name} was recorded by this installation, but the account no longer has it`,
      `Nothing was created. If you deleted it on purpose, remove "r2" from ${ctx.stateFile} and run again`,
    );
  }
  if (ctx.mode === "update") {
    throw new UserError(
      `The installation has no R2 bucket ${name}`,
      "Nothing was created. Run `acr init --self-hosted` to create missing storage, after checking the account and --prefix",
    );
  }
  await ctx.mutate(`POST ${cf.account("/r2/buckets")} {"name":"${name}"}`, async () => {
    try {
      await createR2Bucket(cf, name);
    } catch (err) {
      // 10004: "The bucket you tried to create already exists, and you own it."
      if (!(err instanceof CloudflareApiError && err.hasCode(10004))) throw err;
    }
    return name;
  });
  if (!ctx.dryRun) {
    ctx.state.r2 = name;
    ctx.save();
  }
  return name;
}
