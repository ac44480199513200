/**
 * An exposure review (`acr push`, the consent dialog, the recipe catalogue): each destination host with what is
 * sent there, and the findings by severity.
 */
import type { ExposureReview } from "../api";

const MARK = { danger: "Danger", warning: "Warning", notice: "Notice" } as const;

/**
 * @example
 * <ExposureDetails review={review} />
 */
export function ExposureDetails({ review }: { review: ExposureReview }) {
  return (
    <div className="space-y-2 text-sm">
      {review.destinations.length === 0 && (
        <p className="rounded border border-stone-700 p-2">a host only known at run time (see the findings below)</p>
      )}
      <ul className="space-y-2" aria-label="Destinations">
        {review.destinations.map((d) => (
          <li key={`${d.scheme}-${d.host}`} className="rounded border border-stone-700 p-2" data-destination={d.host}>
            <div className="font-mono break-all">
              {d.scheme}://{d.host} {!d.allowed && <span className="text-amber-300">(not in allowed_hosts)</span>}
            </div>
            <ul className="ml-4 list-disc text-stone-300">
              {d.sends.map((s) => (
                <li key={s}>{s}</li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
      {review.findings.length > 0 && (
        <ul className="space-y-1" aria-label="Findings">
          {review.findings.map((f) => (
            <li key={`${f.code}-${f.where}`} data-finding={f.code}>
              <strong className={f.severity === "danger" ? "text-red-300" : "text-amber-300"}>
                {MARK[f.severity]}
              </strong>{" "}
              {f.message} <span className="text-stone-400">[{f.where}]</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
