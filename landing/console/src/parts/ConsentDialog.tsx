import { type FormEvent, useEffect, useRef, useState } from "react";
import type { ExposureReview } from "../api";
import { Button, inputClass } from "../ui";
import { ExposureDetails } from "./Exposure";

export interface ExposureConsent {
  confirmed_by_human: true;
  understood: true;
  confirmed_at: string;
  typed_name: string;
  via: "typed_name";
}

/**
 * The exposure review of `acr push`, in a dialog: where the data goes, the findings, and the name typed
 * by a human as consent (the same rule as the CLI: nothing is stored unless the typed name matches).
 */
export function ConsentDialog({
  review,
  name,
  onConsent,
  onCancel,
}: {
  review: ExposureReview;
  name: string;
  onConsent: (c: ExposureConsent) => void;
  onCancel: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState("");
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (typed.trim() !== name) return;
    onConsent({
      confirmed_by_human: true,
      understood: true,
      confirmed_at: new Date().toISOString(),
      typed_name: name,
      via: "typed_name",
    });
  };
  return (
    <dialog
      ref={dialog}
      aria-labelledby="consent-title"
      onCancel={onCancel}
      className="m-auto w-[min(36rem,94vw)] rounded-lg border border-amber-600 bg-stone-900 p-0 text-stone-100 backdrop:bg-black/70"
    >
      <form onSubmit={submit} className="space-y-3 p-5">
        <h2 id="consent-title" className="text-lg font-semibold text-amber-300">
          Review where this workflow sends data
        </h2>
        <p className="text-sm text-stone-300">{review.subject.name} will send data to:</p>
        <ExposureDetails review={review} />
        <label className="block text-sm">
          <span className="mb-1 block">
            Type <strong className="font-mono">{name}</strong> to confirm you understand where this data goes
          </span>
          <input
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            className={`${inputClass} w-full font-mono`}
          />
        </label>
        <div className="flex justify-end gap-2">
          <Button onClick={onCancel}>Cancel</Button>
          <Button kind="primary" type="submit" disabled={typed.trim() !== name}>
            Confirm and deploy
          </Button>
        </div>
      </form>
    </dialog>
  );
}
