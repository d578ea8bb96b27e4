/** First run: create the owner account and the first workspace. */
import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import { Button, ErrorNote, useAction } from "../components/ui";

export function SetupPage({ onDone }: { onDone: () => void }) {
  const [form, setForm] = useState({ email: "", name: "", password: "", workspace_name: "" });
  const [submit, busy, error] = useAction(async () => {
    await api.POST("/console/api/setup", {
      body: { ...form, workspace_name: form.workspace_name || null },
    });
    onDone();
  });
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [key]: e.target.value });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit();
  };
  return (
    <main className="centered">
      <form className="card narrow" onSubmit={onSubmit} aria-labelledby="setup-title">
        <h1 id="setup-title">Set up Yarrow</h1>
        <p className="muted">Create the administrator account. This happens once.</p>
        <label>Email<input type="email" required autoComplete="email" value={form.email} onChange={set("email")} /></label>
        <label>Name<input required value={form.name} onChange={set("name")} /></label>
        <label>Password<input type="password" required minLength={8} autoComplete="new-password" value={form.password} onChange={set("password")} /></label>
        <label>Workspace name (optional)<input value={form.workspace_name} onChange={set("workspace_name")} /></label>
        <ErrorNote error={error} />
        <Button type="submit" busy={busy}>Create account</Button>
      </form>
    </main>
  );
}
