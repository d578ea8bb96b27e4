/** Model providers: credentials (validated by the server with a real call) and default models. */
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { api, must, type Json } from "../api/client";
import { Button, ErrorNote, useAction } from "../components/ui";

export function ProvidersPage() {
  const [providers, setProviders] = useState<Json[] | null>(null);
  const [load, , error] = useAction(
    useCallback(async () => {
      const found = must(await api.GET("/console/api/workspaces/current/model-providers")) as Json;
      setProviders(found.data as Json[]);
    }, []),
  );
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <section aria-labelledby="providers-title">
      <h1 id="providers-title">Model providers</h1>
      <ErrorNote error={error} />
      {providers === null ? (
        <p aria-busy="true">Loading providers…</p>
      ) : (
        providers.map((p) => <ProviderCard key={p.provider} provider={p} onSaved={load} />)
      )}
      <DefaultModel />
    </section>
  );
}

function ProviderCard({ provider, onSaved }: { provider: Json; onSaved: () => Promise<void> }) {
  const schema = (provider.credential_schema ?? []) as Json[];
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState<Json>(() => ({ ...(provider.credentials ?? {}) }));
  const [save, saving, error] = useAction(async () => {
    const credentials: Json = {};
    for (const field of schema) if (values[field.name] !== undefined && values[field.name] !== "") credentials[field.name] = values[field.name];
    await api.POST("/console/api/workspaces/current/model-providers/{provider}/credentials", {
      params: { path: { provider: provider.provider } },
      body: { credentials },
    });
    setOpen(false);
    await onSaved();
  });
  const [remove, removing, removeError] = useAction(async () => {
    if (!confirm(`Remove the ${provider.label} credentials?`)) return;
    await api.DELETE("/console/api/workspaces/current/model-providers/{provider}/credentials", {
      params: { path: { provider: provider.provider } },
    });
    await onSaved();
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void save();
  };
  const id = `provider-${provider.provider}`;
  return (
    <article className="card" aria-labelledby={id}>
      <div className="row">
        <h2 id={id}>{provider.label}</h2>
        <span className={`badge ${provider.configured ? "ok" : ""}`}>{provider.configured ? "Configured" : "Not configured"}</span>
        <span className="muted">{(provider.model_types as string[]).join(", ")}</span>
        <div className="spacer" />
        {schema.length > 0 && (
          <button type="button" className="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
            {provider.configured ? "Edit credentials" : "Set up"}
          </button>
        )}
        {provider.configured && schema.length > 0 && (
          <Button type="button" className="ghost danger" busy={removing} onClick={() => void remove()}>Remove</Button>
        )}
      </div>
      <ErrorNote error={removeError} />
      {open && (
        <form onSubmit={onSubmit} aria-label={`${provider.label} credentials`}>
          {schema.map((field) => (
            <label key={field.name}>
              {field.label}
              {field.required && <span aria-hidden="true"> *</span>}
              {field.options?.length ? (
                <select required={field.required} value={values[field.name] ?? ""} onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}>
                  <option value="">—</option>
                  {(field.options as Json[]).map((o) => {
                    const value = typeof o === "string" ? o : (o.value as string);
                    return <option key={value} value={value}>{typeof o === "string" ? o : (o.label ?? value)}</option>;
                  })}
                </select>
              ) : (
                <input
                  name={field.name}
                  type={field.type === "secret" ? "password" : "text"}
                  autoComplete="off"
                  required={field.required}
                  placeholder={field.default ?? ""}
                  value={values[field.name] ?? ""}
                  onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}
                />
              )}
              {field.help && <small className="muted">{field.help}</small>}
            </label>
          ))}
          <ErrorNote error={error} />
          <Button type="submit" busy={saving}>Save and validate</Button>
        </form>
      )}
    </article>
  );
}

function DefaultModel() {
  const [models, setModels] = useState<Json[]>([]);
  const [current, setCurrent] = useState("");
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    Promise.all([
      api.GET("/console/api/workspaces/current/models/model-types/{model_type}", { params: { path: { model_type: "llm" } } }),
      api.GET("/console/api/workspaces/current/default-model", { params: { query: { model_type: "llm" } } }),
    ]).then(([m, d]) => {
      setModels((must(m) as Json).data as Json[]);
      const choice = (must(d) as Json).data as Json;
      setCurrent(`${choice.provider}/${choice.model}`);
    }, () => undefined);
  }, []);
  const [save, busy, error] = useAction(async (value: string) => {
    const [provider, ...rest] = value.split("/");
    await api.POST("/console/api/workspaces/current/default-model", {
      body: { model_settings: [{ model_type: "llm", provider, model: rest.join("/") }] },
    });
    setCurrent(value);
    setSaved(true);
  });
  if (models.length === 0) return null;
  return (
    <article className="card">
      <h2>Default chat model</h2>
      <label>
        Model
        <select value={current} disabled={busy} onChange={(e) => void save(e.target.value)}>
          {models.map((m) => (
            <option key={`${m.provider}/${m.name}`} value={`${m.provider}/${m.name}`}>{m.label || m.name} ({m.provider})</option>
          ))}
        </select>
      </label>
      <ErrorNote error={error} />
      {saved && <p role="status" className="ok">Default model saved.</p>}
    </article>
  );
}
