import { useState } from "react";
import { api, enc, type Workflow } from "../api";
import { Link } from "../router";
import { ago, Button, ErrorNote } from "../ui";
import { useApi } from "../useApi";

/** Line diff (LCS); workflow files are small. */
export function diffLines(a: string, b: string): Array<{ op: " " | "-" | "+"; line: string }> {
  const x = a.split("\n");
  const y = b.split("\n");
  const dp = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--)
    for (let j = y.length - 1; j >= 0; j--)
      dp[i]![j] = x[i] === y[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  const out: Array<{ op: " " | "-" | "+"; line: string }> = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) {
      out.push({ op: " ", line: x[i]! });
      i++;
      j++;
    } else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) out.push({ op: "-", line: x[i++]! });
    else out.push({ op: "+", line: y[j++]! });
  }
  while (i < x.length) out.push({ op: "-", line: x[i++]! });
  while (j < y.length) out.push({ op: "+", line: y[j++]! });
  return out;
}

/** Versions: list, view (opens it in the editor, where it can be deployed as new: rollback), diff with current. */
export function Versions({ name, current: shown, viewing }: { name: string; current: number; viewing: number | null }) {
  const list = useApi<{ versions: Array<{ version: number; created_at: string }> }>(
    `/v1/workflows/${enc(name)}/versions`,
  );
  // The latest version is the current one, also while an old one is being viewed.
  const current = Math.max(shown, ...(list.data?.versions ?? []).map((v) => v.version));
  const [diff, setDiff] = useState<{ v: number; lines: ReturnType<typeof diffLines> } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const showDiff = async (v: number) => {
    try {
      const [a, b] = await Promise.all([
        api<Workflow>("GET", `/v1/workflows/${enc(name)}?version=${v}`),
        api<Workflow>("GET", `/v1/workflows/${enc(name)}`),
      ]);
      setDiff({ v, lines: diffLines(a.source, b.source) });
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-labelledby="versions-title" className="space-y-2">
      <h2 id="versions-title" className="text-lg font-semibold">
        Versions
      </h2>
      <ErrorNote error={list.error ?? error} />
      <ul className="divide-y divide-stone-800 rounded-lg border border-stone-700 text-sm">
        {[...(list.data?.versions ?? [])].reverse().map((v) => (
          <li key={v.version} className="flex flex-wrap items-center gap-2 px-3 py-1.5">
            <span className="font-mono">v{v.version}</span>
            {v.version === current && <span className="text-xs text-emerald-300">current</span>}
            {v.version === viewing && <span className="text-xs text-amber-300">viewing</span>}
            <span className="text-xs text-stone-400">{ago(v.created_at)}</span>
            <span className="ml-auto flex gap-2">
              <Link
                to={`/workflows/${enc(name)}?version=${v.version}`}
                className="text-orange-300 underline-offset-2 hover:underline"
              >
                View{v.version !== current ? " / roll back" : ""}
                <span className="sr-only"> version {v.version}</span>
              </Link>
              {v.version !== current && (
                <Button className="!px-2 !py-0.5 text-xs" onClick={() => showDiff(v.version)}>
                  Diff with current<span className="sr-only"> (version {v.version})</span>
                </Button>
              )}
            </span>
          </li>
        ))}
      </ul>
      {diff && (
        <figure>
          <figcaption className="text-sm text-stone-300">
            v{diff.v} → v{current}
          </figcaption>
          <pre
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (axe)
            tabIndex={0}
            className="max-h-72 overflow-auto rounded border border-stone-700 bg-stone-900 p-2 text-xs"
          >
            {diff.lines.map((l, i) => (
              <div
                // biome-ignore lint/suspicious/noArrayIndexKey: lines of a diff have no identity
                key={i}
                className={
                  l.op === "+"
                    ? "bg-emerald-950 text-emerald-200"
                    : l.op === "-"
                      ? "bg-red-950 text-red-200"
                      : "text-stone-300"
                }
              >
                {l.op} {l.line}
              </div>
            ))}
          </pre>
        </figure>
      )}
    </section>
  );
}
