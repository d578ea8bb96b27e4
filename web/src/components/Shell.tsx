/** The signed-in layout: navigation, workspace switcher, theme toggle, sign-out. */
import { useEffect, useState, type ReactNode } from "react";
import { api, must, type Json } from "../api/client";
import { Link, usePath } from "../router";
import { applyTheme, initialTheme, type Theme } from "../theme";
import { ErrorNote } from "./ui";

const NAV = [
  ["/apps", "Apps"],
  ["/providers", "Model providers"],
  ["/members", "Members"],
] as const;

export function Shell(props: { profile: Json | null; onSignedOut: () => void; children: ReactNode }) {
  const path = usePath();
  const [theme, setTheme] = useState<Theme>(initialTheme());
  const [workspaces, setWorkspaces] = useState<Json[]>([]);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api.GET("/console/api/workspaces").then(
      (r) => setWorkspaces((must(r) as Json).workspaces as Json[]),
      setError,
    );
  }, []);

  const toggleTheme = () => {
    const next = theme === "dark" ? "light" : "dark";
    applyTheme(next);
    setTheme(next);
  };
  const switchTo = async (tenantId: string) => {
    try {
      await api.POST("/console/api/workspaces/switch", { body: { tenant_id: tenantId } });
      location.assign("/apps");
    } catch (e) {
      setError(e);
    }
  };
  const signOut = async () => {
    await api.POST("/console/api/logout").catch(() => undefined);
    props.onSignedOut();
  };

  const current = workspaces.find((w) => w.current);
  return (
    <div className="shell">
      <a className="skip" href="#main">Skip to content</a>
      <header className="topbar">
        <strong className="brand">Yarrow</strong>
        <nav aria-label="Main">
          {NAV.map(([href, label]) => (
            <Link
              key={href}
              href={href}
              aria-current={path.startsWith(href) ? "page" : undefined}
            >
              {label}
            </Link>
          ))}
        </nav>
        <div className="spacer" />
        {workspaces.length > 0 && (
          <label className="inline">
            <span className="sr-only">Workspace</span>
            <select
              aria-label="Workspace"
              value={current?.id ?? ""}
              onChange={(e) => void switchTo(e.target.value)}
            >
              {workspaces.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="button" className="ghost" onClick={toggleTheme} aria-pressed={theme === "dark"}>
          {theme === "dark" ? "Light theme" : "Dark theme"}
        </button>
        <span className="muted" title={props.profile?.email}>{props.profile?.name}</span>
        <button type="button" className="ghost" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <ErrorNote error={error} />
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </div>
  );
}
