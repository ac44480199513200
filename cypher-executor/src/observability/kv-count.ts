/**
 * Counts every KV operation the executor makes, by namespace and kind (`read`, `write`, `list`, `delete`),
 * the quantities the Free plan limits per day (100,000 reads, 1,000 writes, 1,000 lists, 1,000 deletes).
 * Counting happens at the binding, so no caller can forget it: each KV namespace of `env` is wrapped once
 * per isolate and env object (a WeakMap hit per request), and each call bumps one in-memory counter.
 */
export type KvOp = "read" | "write" | "list" | "delete";

const ops = new Map<string, number>();

/** KV bindings of the executor (the seed's seven namespaces). */
const KV_NAMES = [
  "WEBHOOKS",
  "CREDENTIALS_KV",
  "RECIPES",
  "USERS_KV",
  "SESSIONS_KV",
  "ANALYTICS_KV",
  "EXEC_CONTEXT",
] as const;

const bump = (ns: string, op: KvOp, n = 1) => {
  const k = `${ns}|${op}`;
  ops.set(k, (ops.get(k) ?? 0) + n);
};

type AnyFn = (...args: unknown[]) => unknown;

/** A KV namespace that counts its calls and passes them on unchanged. */
function counted(ns: string, kv: KVNamespace): KVNamespace {
  const call = (name: keyof KVNamespace, args: unknown[]) => (kv[name] as AnyFn).apply(kv, args);
  const reads = (key: unknown) => (Array.isArray(key) ? key.length : 1);
  const wrapped = {
    get: (...a: unknown[]) => {
      bump(ns, "read", reads(a[0]));
      return call("get", a);
    },
    getWithMetadata: (...a: unknown[]) => {
      bump(ns, "read", reads(a[0]));
      return call("getWithMetadata", a);
    },
    list: (...a: unknown[]) => {
      bump(ns, "list");
      return call("list", a);
    },
    put: (...a: unknown[]) => {
      bump(ns, "write");
      return call("put", a);
    },
    delete: (...a: unknown[]) => {
      bump(ns, "delete");
      return call("delete", a);
    },
  };
  return wrapped as unknown as KVNamespace;
}

const envs = new WeakMap<object, object>();

/**
 * The same env with every KV namespace counting its operations. Wrapped once per env object.
 *
 * @example
 * export default { fetch: (req, env, ctx) => app.fetch(req, countKv(env), ctx) };
 */
export function countKv<E extends object>(env: E): E {
  const known = envs.get(env);
  if (known) return known as E;
  const out = { ...env } as Record<string, unknown>;
  for (const name of KV_NAMES) {
    const kv = out[name] as KVNamespace | undefined;
    if (kv) out[name] = counted(name, kv);
  }
  envs.set(env, out);
  return out as E;
}

/** Counts a KV operation made around the binding (acr serve's group commit writes records through a service). */
export function countKvOp(ns: (typeof KV_NAMES)[number], op: KvOp, n = 1): void {
  bump(ns, op, n);
}

/** The counters as `[namespace, op, count]`, for `/metrics`. */
export function kvOperations(): Array<[string, KvOp, number]> {
  return [...ops].map(([k, n]) => {
    const [ns, op] = k.split("|");
    return [ns ?? "", op as KvOp, n];
  });
}
