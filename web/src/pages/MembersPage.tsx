/** Members of the current workspace: list, invite (with an activation link), roles, removal. */
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { api, must, type Json } from "../api/client";
import { Button, ErrorNote, useAction } from "../components/ui";

const ROLES = ["admin", "editor", "normal", "dataset_operator"];

export function MembersPage() {
  const [members, setMembers] = useState<Json[] | null>(null);
  const [emails, setEmails] = useState("");
  const [role, setRole] = useState("normal");
  const [invited, setInvited] = useState<Json[]>([]);
  const [load, , loadError] = useAction(
    useCallback(async () => {
      const found = must(await api.GET("/console/api/workspaces/current/members")) as Json;
      setMembers(found.accounts as Json[]);
    }, []),
  );
  useEffect(() => {
    void load();
  }, [load]);
  const [invite, inviting, inviteError] = useAction(async () => {
    const list = emails.split(/[\s,;]+/).filter(Boolean);
    const done = must(
      await api.POST("/console/api/workspaces/current/members/invite-email", { body: { emails: list, role } }),
    ) as Json;
    setInvited(done.invitation_results as Json[]);
    setEmails("");
    await load();
  });
  const [changeRole, , roleError] = useAction(async (member: Json, newRole: string) => {
    await api.PUT("/console/api/workspaces/current/members/{member_id}/update-role", {
      params: { path: { member_id: member.id } },
      body: { role: newRole },
    });
    await load();
  });
  const [remove, , removeError] = useAction(async (member: Json) => {
    if (!confirm(`Remove ${member.email} from this workspace?`)) return;
    await api.DELETE("/console/api/workspaces/current/members/{member_id}", { params: { path: { member_id: member.id } } });
    await load();
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void invite();
  };
  return (
    <section aria-labelledby="members-title">
      <h1 id="members-title">Members</h1>
      <form className="card row" onSubmit={onSubmit} aria-label="Invite members">
        <label className="grow">Emails<input required value={emails} onChange={(e) => setEmails(e.target.value)} placeholder="ann@example.com, bo@example.com" /></label>
        <label>Role
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </label>
        <Button type="submit" busy={inviting}>Invite</Button>
      </form>
      <ErrorNote error={loadError || inviteError || roleError || removeError} />
      {invited.length > 0 && (
        <ul role="status" className="card">
          {invited.map((r) => (
            <li key={r.email}>
              {r.email}: {r.status}
              {r.url && <> — activation link <code>{`${location.origin}${r.url}`}</code></>}
            </li>
          ))}
        </ul>
      )}
      {members && (
        <table className="card">
          <caption className="sr-only">Members</caption>
          <thead><tr><th>Name</th><th>Email</th><th>Role</th><th>Status</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.id}>
                <td>{m.name}</td>
                <td>{m.email}</td>
                <td>
                  {m.role === "owner" ? "owner" : (
                    <select aria-label={`Role of ${m.email}`} value={m.role} onChange={(e) => void changeRole(m, e.target.value)}>
                      {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                    </select>
                  )}
                </td>
                <td>{m.status}</td>
                <td>{m.role !== "owner" && <button type="button" className="ghost danger" onClick={() => void remove(m)}>Remove</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
