/** The Service API base URL and the app's keys (a new key is shown in full once). */
import { useCallback, useEffect, useState } from "react";
import { api, must, type Json } from "../api/client";
import { Button, ErrorNote, useAction } from "../components/ui";

export function ApiAccess({ app }: { app: Json }) {
  const path = { app_id: app.id as string };
  const [keys, setKeys] = useState<Json[] | null>(null);
  const [fresh, setFresh] = useState<string>("");
  const [load, , loadError] = useAction(
    useCallback(async () => {
      const found = must(await api.GET("/console/api/apps/{app_id}/api-keys", { params: { path: { app_id: app.id } } })) as Json;
      setKeys(found.data as Json[]);
    }, [app.id]),
  );
  useEffect(() => {
    void load();
  }, [load]);
  const [create, creating, createError] = useAction(async () => {
    const key = must(await api.POST("/console/api/apps/{app_id}/api-keys", { params: { path } })) as Json;
    setFresh(key.token as string);
    sessionStorage.setItem(`yarrow-key-${app.id}`, key.token as string);
    await load();
  });
  const [remove, , removeError] = useAction(async (key: Json) => {
    if (!confirm("Delete this key? Clients using it stop working.")) return;
    await api.DELETE("/console/api/apps/{app_id}/api-keys/{key_id}", { params: { path: { ...path, key_id: key.id } } });
    await load();
  });
  return (
    <div className="card" aria-label="API access">
      <h2>API access</h2>
      <p>
        Service API base URL: <code data-testid="base-url">{app.api_base_url}</code>
      </p>
      {app.site?.code && (
        <p>
          Web app: <a href={`/chat/${app.site.code}`} target="_blank" rel="noopener">{`${app.site.app_base_url}/chat/${app.site.code}`}</a>
        </p>
      )}
      <ErrorNote error={loadError || createError || removeError} />
      {fresh && (
        <p role="status" className="ok">
          New key (copy it now, it is shown only once): <code data-testid="new-key">{fresh}</code>
        </p>
      )}
      <Button type="button" busy={creating} onClick={() => void create()}>Create API key</Button>
      {keys && keys.length > 0 && (
        <table>
          <caption className="sr-only">API keys</caption>
          <thead><tr><th>Key</th><th>Created</th><th>Last used</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id}>
                <td><code>{k.token}</code></td>
                <td>{new Date((k.created_at as number) * 1000).toLocaleString()}</td>
                <td>{k.last_used_at ? new Date((k.last_used_at as number) * 1000).toLocaleString() : "never"}</td>
                <td><button type="button" className="ghost danger" onClick={() => void remove(k)}>Delete</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
