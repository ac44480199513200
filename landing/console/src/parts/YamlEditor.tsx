/**
 * The workflow YAML in CodeMirror 6. Diagnostics come from the parent (the validate route) and are shown
 * as underlines and gutter marks at their line and column.
 */
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import { bracketMatching, HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { type Diagnostic as CmDiagnostic, lintGutter, setDiagnostics } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import { EditorView, highlightActiveLine, keymap, lineNumbers } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { useEffect, useRef } from "react";
import type { Diagnostic } from "../api";

const theme = EditorView.theme(
  {
    "&": { backgroundColor: "#0c0a09", color: "#f5f5f4" },
    ".cm-gutters": { backgroundColor: "#1c1917", color: "#a8a29e", border: "none" },
    ".cm-activeLine": { backgroundColor: "#1c191788" },
    ".cm-content": { caretColor: "#fb923c" },
    ".cm-cursor": { borderLeftColor: "#fb923c" },
  },
  { dark: true },
);

// Colours chosen for contrast (WCAG AA) on the dark background.
const highlight = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: "#fdba74" },
  { tag: [tags.string, tags.special(tags.string)], color: "#86efac" },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: "#93c5fd" },
  { tag: tags.comment, color: "#a8a29e", fontStyle: "italic" },
  { tag: [tags.keyword, tags.meta, tags.typeName], color: "#f0abfc" },
  { tag: [tags.punctuation, tags.separator, tags.bracket], color: "#d6d3d1" },
]);

export default function YamlEditor({
  value,
  onChange,
  diagnostics,
  label,
}: {
  value: string;
  onChange: (v: string) => void;
  diagnostics: Diagnostic[];
  label: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const change = useRef(onChange);
  change.current = onChange;

  // biome-ignore lint/correctness/useExhaustiveDependencies: the editor is created once; value flows in below
  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          history(),
          highlightActiveLine(),
          bracketMatching(),
          yaml(),
          syntaxHighlighting(highlight),
          lintGutter(),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          theme,
          EditorView.contentAttributes.of({ "aria-label": label }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) change.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    // The scroll area is a keyboard stop of its own (axe: scrollable regions must be focusable).
    v.scrollDOM.tabIndex = 0;
    v.scrollDOM.setAttribute("aria-label", `${label} (scroll)`);
    return () => v.destroy();
  }, []);

  // A new version loaded from outside (rollback, another version) replaces the text.
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value)
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const doc = v.state.doc;
    const cm: CmDiagnostic[] = diagnostics.map((d) => {
      const line = doc.line(Math.min(Math.max(d.pos?.line ?? 1, 1), doc.lines));
      const from = Math.min(line.from + Math.max((d.pos?.column ?? 1) - 1, 0), line.to);
      return { from, to: Math.max(from + 1, line.to), severity: "error", message: `${d.code}: ${d.message}` };
    });
    v.dispatch(setDiagnostics(v.state, cm));
  }, [diagnostics]);

  return <div ref={host} className="h-full min-h-[320px] overflow-hidden rounded-lg border border-stone-700" />;
}
