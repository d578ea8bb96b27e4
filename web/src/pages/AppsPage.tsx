/** Apps of the workspace: search, mode filter, create, import a DSL file, delete. */
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { api, must, type Json } from "../api/client";
import { Button, ErrorNote, useAction } from "../components/ui";
import { Link, navigate } from "../router";

export const MODES: Record<string, string> = {
  chat: "Chatbot",
  "advanced-chat": "Chatflow",
  "agent-chat": "Agent",
  completion: "Text generator",
  workflow: "Workflow",
};

export function AppsPage() {
  const [name, setName] = useState("");
  const [mode, setMode] = useState("");
  const [apps, setApps] = useState<Json[] | null>(null);
  const [creating, setCreating] = useState(false);

  const [reload, , loadError] = useAction(
    useCallback(async () => {
      const query: Json = { limit: 100 };
      if (name) query.name = name;
      if (mode) query.mode = mode;
      const found = must(await api.GET("/console/api/apps", { params: { query } })) as Json;
      setApps(found.data as Json[]);
    }, [name, mode]),
  );
  useEffect(() => {
    const timer = setTimeout(() => void reload(), 200);
    return () => clearTimeout(timer);
  }, [reload]);

  const [remove, , removeError] = useAction(async (app: Json) => {
    if (!confirm(`Delete the app “${app.name}”? This cannot be undone.`)) return;
    await api.DELETE("/console/api/apps/{app_id}", { params: { path: { app_id: app.id } } });
    await reload();
  });
  const [importFile, importing, importError] = useAction(async (file: File) => {
    const yaml = await file.text();
    const done = must(
      await api.POST("/console/api/apps/imports", { body: { mode: "yaml-content", yaml_content: yaml } }),
    ) as Json;
    const id = done.app_id ?? done.id;
    if (id) navigate(`/app/${id}`);
    else await reload();
  });

  return (
    <section aria-labelledby="apps-title">
      <div className="row">
        <h1 id="apps-title">Apps</h1>
        <div className="spacer" />
        <Button type="button" onClick={() => setCreating(true)}>Create app</Button>
        <label className="button secondary" aria-busy={importing || undefined}>
          {importing ? "Importing…" : "Import DSL file"}
          <input
            type="file"
            accept=".yml,.yaml,text/yaml"
            className="sr-only"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = "";
              if (file) void importFile(file);
            }}
          />
        </label>
      </div>
      <div className="row filters">
        <label className="inline">
          <span className="sr-only">Search apps</span>
          <input type="search" placeholder="Search by name" aria-label="Search apps" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="inline">
          <span className="sr-only">Mode</span>
          <select aria-label="Mode" value={mode} onChange={(e) => setMode(e.target.value)}>
            <option value="">All types</option>
            {Object.entries(MODES).map(([value, label]) => (
              <option key={value} value={value}>{label}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={loadError || removeError || importError} />
      {creating && <CreateAppDialog onClose={() => setCreating(false)} />}
      {apps === null ? (
        <p aria-busy="true">Loading apps…</p>
      ) : apps.length === 0 ? (
        <p className="muted">No apps yet{name || mode ? " match these filters" : ""}.</p>
      ) : (
        <ul className="grid" aria-label="Apps">
          {apps.map((app) => (
            <li key={app.id} className="card app-card">
              <Link href={`/app/${app.id}`} className="app-link">
                <span aria-hidden="true" className="icon" style={{ background: app.icon_background ?? undefined }}>
                  {app.icon_type === "emoji" ? app.icon : "•"}
                </span>
                <span>
                  <strong>{app.name}</strong>
                  <span className="badge">{MODES[app.mode] ?? app.mode}</span>
                </span>
              </Link>
              <p className="muted">{app.description}</p>
              <button type="button" className="ghost danger" aria-label={`Delete ${app.name}`} onClick={() => void remove(app)}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function CreateAppDialog({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState("");
  const [mode, setMode] = useState("chat");
  const [create, busy, error] = useAction(async () => {
    const app = must(await api.POST("/console/api/apps", { body: { name, mode } })) as Json;
    navigate(`/app/${app.id}`);
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void create();
  };
  return (
    <div className="backdrop" onKeyDown={(e) => e.key === "Escape" && onClose()}>
      <form role="dialog" aria-modal="true" aria-labelledby="create-title" className="card dialog" onSubmit={onSubmit}>
        <h2 id="create-title">Create an app</h2>
        <label>Name<input autoFocus required maxLength={255} value={name} onChange={(e) => setName(e.target.value)} /></label>
        <fieldset>
          <legend>Type</legend>
          {Object.entries(MODES).map(([value, label]) => (
            <label key={value} className="inline">
              <input type="radio" name="mode" value={value} checked={mode === value} onChange={() => setMode(value)} />
              {label}
            </label>
          ))}
        </fieldset>
        <ErrorNote error={error} />
        <div className="row">
          <button type="button" className="secondary" onClick={onClose}>Cancel</button>
          <Button type="submit" busy={busy}>Create</Button>
        </div>
      </form>
    </div>
  );
}
