/** One app: configuration with a side-by-side debug chat, and API access. */
import { useEffect, useState, type FormEvent } from "react";
import { api, must, type Json } from "../api/client";
import { DebugChat } from "../components/DebugChat";
import { Button, ErrorNote, useAction } from "../components/ui";
import { Link } from "../router";
import { MODES } from "./AppsPage";
import { ApiAccess } from "./ApiAccess";

const CONFIGURABLE = new Set(["chat", "completion", "agent-chat"]);

export function AppPage({ appId, tab }: { appId: string; tab: string }) {
  const [app, setApp] = useState<Json | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.GET("/console/api/apps/{app_id}", { params: { path: { app_id: appId } } }).then(
      (r) => setApp(must(r) as Json),
      setError,
    );
  }, [appId]);
  if (error) return <ErrorNote error={error} />;
  if (!app) return <p aria-busy="true">Loading app…</p>;
  const tabs = [
    ["configuration", "Configuration"],
    ["api", "API access"],
  ];
  return (
    <section aria-labelledby="app-title">
      <div className="row">
        <h1 id="app-title">{app.name}</h1>
        <span className="badge">{MODES[app.mode] ?? app.mode}</span>
      </div>
      <nav aria-label="App sections" className="tabs">
        {tabs.map(([key, label]) => (
          <Link key={key} href={`/app/${appId}/${key}`} aria-current={tab === key ? "page" : undefined}>
            {label}
          </Link>
        ))}
      </nav>
      {tab === "api" ? (
        <ApiAccess app={app} />
      ) : CONFIGURABLE.has(app.mode) ? (
        <Configuration app={app} />
      ) : (
        <p className="muted">This app type is edited as a workflow, which the console does not offer yet.</p>
      )}
    </section>
  );
}

function Configuration({ app }: { app: Json }) {
  const [config, setConfig] = useState<Json | null>(null);
  const [models, setModels] = useState<Json[]>([]);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const path = { app_id: app.id as string };
    Promise.all([
      api.GET("/console/api/apps/{app_id}/model-config", { params: { path } }),
      api.GET("/console/api/workspaces/current/models/model-types/{model_type}", {
        params: { path: { model_type: "llm" } },
      }),
    ]).then(([c, m]) => {
      setConfig(must(c) as Json);
      setModels((must(m) as Json).data as Json[]);
    }, setError);
  }, [app.id]);

  const [save, saving, saveError] = useAction(async () => {
    await api.POST("/console/api/apps/{app_id}/model-config", {
      params: { path: { app_id: app.id } },
      body: config as Json,
    });
    setSaved(true);
  });
  if (error) return <ErrorNote error={error} />;
  if (!config) return <p aria-busy="true">Loading configuration…</p>;

  const model = config.model as Json;
  const modelKey = model.provider ? `${model.provider}/${model.name}` : "";
  const update = (patch: Json) => {
    setSaved(false);
    setConfig({ ...config, ...patch });
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void save();
  };
  return (
    <div className="split">
      <form className="card" onSubmit={onSubmit} aria-label="Configuration">
        <label>
          Model
          <select
            required
            value={modelKey}
            onChange={(e) => {
              const [provider, ...rest] = e.target.value.split("/");
              update({ model: { ...model, provider, name: rest.join("/") } });
            }}
          >
            <option value="" disabled>Choose a model</option>
            {models.map((m) => (
              <option key={`${m.provider}/${m.name}`} value={`${m.provider}/${m.name}`}>
                {m.label || m.name} ({m.provider})
              </option>
            ))}
          </select>
        </label>
        {models.length === 0 && (
          <p className="muted">
            No models yet: add credentials on the <Link href="/providers">Model providers</Link> page.
          </p>
        )}
        <label>
          Temperature
          <input
            type="number" min={0} max={2} step={0.1}
            value={(model.completion_params as Json)?.temperature ?? ""}
            onChange={(e) =>
              update({
                model: {
                  ...model,
                  completion_params: {
                    ...(model.completion_params as Json),
                    temperature: e.target.value === "" ? undefined : Number(e.target.value),
                  },
                },
              })
            }
          />
        </label>
        <label>
          Prompt
          <textarea rows={6} value={config.pre_prompt ?? ""} onChange={(e) => update({ pre_prompt: e.target.value })} placeholder="You are a helpful assistant. Use {{variables}} from the user input form." />
        </label>
        <label>
          Opening statement
          <textarea rows={2} value={config.opening_statement ?? ""} onChange={(e) => update({ opening_statement: e.target.value })} />
        </label>
        <ErrorNote error={saveError} />
        <div className="row">
          <Button type="submit" busy={saving}>Save</Button>
          {saved && <span role="status" className="ok">Saved.</span>}
        </div>
      </form>
      {app.mode !== "completion" ? (
        <DebugChat app={app} opening={config.opening_statement ?? ""} />
      ) : (
        <p className="muted">Try completion apps through the API access page.</p>
      )}
    </div>
  );
}
