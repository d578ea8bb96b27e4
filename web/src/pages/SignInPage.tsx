/** Sign in with email and password; the session lives in httpOnly cookies. */
import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import { Button, ErrorNote, useAction } from "../components/ui";

export function SignInPage({ onDone }: { onDone: () => void | Promise<void> }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [submit, busy, error] = useAction(async () => {
    await api.POST("/console/api/login", { body: { email, password, remember_me: true } });
    await onDone();
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit();
  };
  return (
    <main className="centered">
      <form className="card narrow" onSubmit={onSubmit} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to Yarrow</h1>
        <label>Email<input type="email" required autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} /></label>
        <label>Password<input type="password" required autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} /></label>
        <ErrorNote error={error} />
        <Button type="submit" busy={busy}>Sign in</Button>
      </form>
    </main>
  );
}
