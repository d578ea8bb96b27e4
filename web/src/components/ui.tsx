/** Small shared pieces: error notes, busy buttons, the async-action hook. */
import { useCallback, useState, type ButtonHTMLAttributes } from "react";
import { ApiError } from "../api/client";

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return "The server could not be reached. Check your connection.";
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {errorText(error)}
    </p>
  );
}

/** Run an async action with busy and error state; returns [run, busy, error, clear]. */
export function useAction<A extends unknown[]>(
  action: (...args: A) => Promise<void>,
): [(...args: A) => Promise<void>, boolean, unknown, () => void] {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(
    async (...args: A) => {
      setBusy(true);
      setError(null);
      try {
        await action(...args);
      } catch (e) {
        setError(e);
      } finally {
        setBusy(false);
      }
    },
    [action],
  );
  return [run, busy, error, () => setError(null)];
}

export function Button({
  busy,
  children,
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { busy?: boolean }) {
  return (
    <button {...props} disabled={busy || props.disabled} aria-busy={busy || undefined}>
      {busy ? "Working…" : children}
    </button>
  );
}
