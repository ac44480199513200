import { useCallback, useEffect, useState } from "react";
import { api } from "./api";

/**
 * GETs a path and re-fetches on `reload()` or every `pollMs` (live lists).
 *
 * @example
 * const { data, error, reload } = useApi<{ workflows: WorkflowSummary[] }>("/v1/workflows");
 */
export function useApi<T>(path: string | null, pollMs?: number) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick re-runs the fetch on purpose
  useEffect(() => {
    if (!path) return;
    let live = true;
    api<T>("GET", path).then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  useEffect(() => {
    if (!pollMs) return;
    const t = setInterval(reload, pollMs);
    return () => clearInterval(t);
  }, [pollMs, reload]);
  return { data, error, reload, setData };
}
