import type { ButtonHTMLAttributes, ReactNode } from "react";

export function Button({
  kind = "secondary",
  className = "",
  ...rest
}: { kind?: "primary" | "secondary" | "danger" } & ButtonHTMLAttributes<HTMLButtonElement>) {
  const styles = {
    primary: "bg-orange-500 text-stone-950 hover:bg-orange-400 font-semibold",
    secondary: "bg-stone-800 text-stone-100 hover:bg-stone-700 border border-stone-600",
    danger: "bg-red-700 text-white hover:bg-red-600",
  }[kind];
  return (
    <button
      type="button"
      className={`rounded-md px-3 py-1.5 text-sm disabled:cursor-not-allowed disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-orange-400 ${styles} ${className}`}
      {...rest}
    />
  );
}

const STATUS_STYLE: Record<string, string> = {
  succeeded: "bg-emerald-900 text-emerald-200 border-emerald-600",
  failed: "bg-red-950 text-red-200 border-red-600",
  running: "bg-sky-950 text-sky-200 border-sky-600",
  waiting: "bg-amber-950 text-amber-200 border-amber-600",
  pending: "bg-amber-950 text-amber-200 border-amber-600",
  interrupted: "bg-fuchsia-950 text-fuchsia-200 border-fuchsia-600",
  skipped: "bg-stone-800 text-stone-300 border-stone-600",
};

/** A status word in its colour (never colour alone: the word is always there). */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span
      className={`inline-block rounded border px-1.5 py-0.5 text-xs font-medium ${STATUS_STYLE[status] ?? STATUS_STYLE.skipped}`}
    >
      {status}
    </span>
  );
}

export function Page({ title, actions, children }: { title: ReactNode; actions?: ReactNode; children: ReactNode }) {
  return (
    <div className="mx-auto w-full max-w-7xl px-3 py-4 sm:px-6">
      <div className="mb-4 flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold break-all">{title}</h1>
        {actions && <div className="flex flex-wrap gap-2">{actions}</div>}
      </div>
      {children}
    </div>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const msg = error instanceof Error ? error.message : String(error);
  return (
    <p role="alert" className="my-2 rounded border border-red-700 bg-red-950 px-3 py-2 text-sm text-red-100">
      {msg}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="text-sm text-stone-300" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** `12 s ago`, `3 min ago`, or the date. */
export function ago(iso: string | undefined): string {
  if (!iso) return "";
  const s = (Date.now() - Date.parse(iso)) / 1000;
  if (s < 60) return `${Math.max(0, Math.round(s))} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

/** Pretty JSON in a scroll box that keyboard users can focus and scroll (a labelled region). */
export function Json({ value, label }: { value: unknown; label: string }) {
  return (
    <section
      aria-label={label}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (axe)
      tabIndex={0}
      className="max-h-64 overflow-auto rounded border border-stone-700 bg-stone-900 p-2"
    >
      <pre className="text-xs text-stone-200">{value === undefined ? "—" : JSON.stringify(value, null, 2)}</pre>
    </section>
  );
}

export const inputClass =
  "rounded-md border border-stone-600 bg-stone-900 px-2 py-1.5 text-sm text-stone-100 placeholder:text-stone-400 focus-visible:outline-2 focus-visible:outline-orange-400";
