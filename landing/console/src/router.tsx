import { type AnchorHTMLAttributes, type MouseEvent, useEffect, useState } from "react";

const BASE = "/console";

/** The path inside the console (`/workflows/hello`) and its query. */
export function currentRoute(): { path: string; query: URLSearchParams } {
  const p = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : "/";
  return { path: p === "" ? "/" : p, query: new URLSearchParams(window.location.search) };
}

/**
 * Moves to a console path without reloading (deep links work: the server answers every /console path).
 *
 * @example
 * navigate(`/executions/${id}`);
 */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = BASE + to;
  if (opts.replace) window.history.replaceState(null, "", url);
  else window.history.pushState(null, "", url);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

/** Re-renders on navigation. */
export function useRoute(): { path: string; query: URLSearchParams } {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const on = () => {
      setRoute(currentRoute());
      window.scrollTo(0, 0);
    };
    window.addEventListener("popstate", on);
    return () => window.removeEventListener("popstate", on);
  }, []);
  return route;
}

/** An anchor to a console path (keyboard and middle-click work as for any link). */
export function Link({ to, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={BASE + to} onClick={onClick} {...rest} />;
}
