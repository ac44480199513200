/** A terminal-like block; `title` names the file or shell it shows. */
export function Code({ title, children }: { title: string; children: string }) {
  return (
    <figure className="overflow-hidden rounded-xl border border-stone-800 bg-stone-900/80 text-left shadow-xl">
      <figcaption className="border-b border-stone-800 px-4 py-2 font-mono text-xs text-stone-400">{title}</figcaption>
      <pre className="overflow-x-auto p-4 font-mono text-sm leading-relaxed text-stone-200">
        <code>{children}</code>
      </pre>
    </figure>
  );
}
