/** Top level: first-run setup, sign-in, then the console shell and its pages. */
import { useCallback, useEffect, useState } from "react";
import { api, must, setSignedOutHandler, type Json } from "./api/client";
import { Shell } from "./components/Shell";
import { navigate, usePath } from "./router";
import { AppPage } from "./pages/AppPage";
import { AppsPage } from "./pages/AppsPage";
import { MembersPage } from "./pages/MembersPage";
import { ProvidersPage } from "./pages/ProvidersPage";
import { SetupPage } from "./pages/SetupPage";
import { SignInPage } from "./pages/SignInPage";
import { ErrorNote } from "./components/ui";

type Stage = "loading" | "setup" | "signin" | "ready";

export function App() {
  const path = usePath();
  const [stage, setStage] = useState<Stage>("loading");
  const [profile, setProfile] = useState<Json | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      const setup = must(await api.GET("/console/api/setup")) as Json;
      if (setup.step !== "finished") return setStage("setup");
      const me = await api.GET("/console/api/account/profile").catch(() => null);
      if (!me) return setStage("signin");
      setProfile(must(me) as Json);
      setStage("ready");
    } catch (e) {
      setError(e);
    }
  }, []);

  useEffect(() => {
    setSignedOutHandler(() => setStage("signin"));
    void load();
  }, [load]);

  useEffect(() => {
    if (stage === "setup" && path !== "/install") navigate("/install", true);
    if (stage === "signin" && path !== "/signin") navigate("/signin", true);
    if (stage === "ready" && (path === "/signin" || path === "/install" || path === "/"))
      navigate("/apps", true);
  }, [stage, path]);

  if (error) return <main className="centered"><ErrorNote error={error} /></main>;
  if (stage === "loading") return <main className="centered" aria-busy="true">Loading…</main>;
  if (stage === "setup") return <SetupPage onDone={() => setStage("signin")} />;
  if (stage === "signin") return <SignInPage onDone={load} />;

  const appMatch = /^\/app\/([^/]+)(?:\/([a-z-]+))?$/.exec(path);
  let page;
  if (appMatch) page = <AppPage appId={appMatch[1]} tab={appMatch[2] ?? "configuration"} />;
  else if (path === "/providers") page = <ProvidersPage />;
  else if (path === "/members") page = <MembersPage />;
  else if (path === "/apps") page = <AppsPage />;
  else page = <section><h1>Not found</h1><p>There is no page at {path}.</p></section>;
  return (
    <Shell profile={profile} onSignedOut={() => setStage("signin")}>
      {page}
    </Shell>
  );
}
