import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { describeError } from '../api';
import { ConsoleConfigureSignInDocument, ConsoleRemoveManualMembershipsDocument, ConsoleSetDefaultSubstituteDocument, ConsoleSettingsDocument, ConsoleUpdateSettingsDocument, ConsoleUserNameDocument } from '../graphql/generated';
import { UserPicker } from '../components/UserPicker';
import { CheckField, ErrorText, Page, Panel, SelectField, Status, TextField } from '../ui';

function SubstitutePanel({ userId, onChanged }: { userId: string | null; onChanged: () => void }) {
  const [{ data }] = useQuery({ query: ConsoleUserNameDocument, variables: { id: userId ?? '' }, pause: userId === null });
  const [result, setSubstitute] = useMutation(ConsoleSetDefaultSubstituteDocument);
  const choose = async (id: string | null) => {
    const done = await setSubstitute({ input: { userId: id } });
    if (done.data) onChanged();
  };
  return (
    <Panel title="Default substitute">
      <p>Who inherits what a deprovisioned user owned in your apps, so nothing is orphaned.</p>
      <p aria-live="polite">
        Current: <strong>{userId === null ? 'nobody (resources are orphaned)' : (data?.user?.displayName ?? data?.user?.userName ?? userId)}</strong>
      </p>
      <UserPicker label="Find a user" onPick={(user) => void choose(user.id)} />
      {userId !== null && (
        <button type="button" onClick={() => void choose(null)}>
          Clear the default substitute
        </button>
      )}
      <ErrorText>{describeError(result.error)}</ErrorText>
    </Panel>
  );
}

function SignInPanel({ current, onChanged }: { current: { issuer: string; clientId: string; displayName: string; adminRole: string } | null; onChanged: () => void }) {
  const [issuer, setIssuer] = useState(current?.issuer ?? '');
  const [clientId, setClientId] = useState(current?.clientId ?? '');
  const [clientSecret, setClientSecret] = useState('');
  const [displayName, setDisplayName] = useState(current?.displayName ?? '');
  const [adminRole, setAdminRole] = useState(current?.adminRole ?? 'Admin');
  const [result, configure] = useMutation(ConsoleConfigureSignInDocument);
  const [saved, setSaved] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const done = await configure({ input: { issuer, clientId, clientSecret: clientSecret || null, displayName, adminRole } });
    if (done.data) {
      setSaved(true);
      onChanged();
    }
  };
  return (
    <Panel title="Console sign-in with your IdP">
      <p>
        Admins sign in with your IdP (OpenID Connect, authorization code with PKCE). Register the redirect URI <code>{`${window.location.origin}/console/auth/oidc/callback`}</code>. Who may sign in: active
        users whose mapped roles include the admin role.
      </p>
      <form onSubmit={submit} noValidate>
        <TextField label="Issuer" value={issuer} onChange={setIssuer} placeholder="https://login.microsoftonline.com/<tenant>/v2.0" />
        <TextField label="Client ID" value={clientId} onChange={setClientId} />
        <TextField label="Client secret (optional)" type="password" value={clientSecret} onChange={setClientSecret} hint="Only for confidential clients; never shown again." />
        <TextField label="Button text: Sign in with" value={displayName} onChange={setDisplayName} placeholder="Contoso Entra ID" />
        <TextField label="Admin role" value={adminRole} onChange={setAdminRole} />
        <button type="submit" className="primary">
          Save sign-in
        </button>
        <ErrorText>{describeError(result.error)}</ErrorText>
        {saved && <Status tone="ok">Saved</Status>}
      </form>
    </Panel>
  );
}

export function SettingsPage() {
  const [{ data, error }, refetch] = useQuery({ query: ConsoleSettingsDocument });
  const [update, updateSettings] = useMutation(ConsoleUpdateSettingsDocument);
  const [removal, removeManual] = useMutation(ConsoleRemoveManualMembershipsDocument);
  const manual = update.data?.updateTenantSettings.manualMemberships;
  const settings = data?.viewer.tenant.settings;
  const [grace, setGrace] = useState('');
  useEffect(() => {
    if (settings) setGrace(String(settings.tokenGraceSeconds));
  }, [settings]);
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const change = async (input: Parameters<typeof updateSettings>[0]['input']) => {
    const done = await updateSettings({ input });
    if (done.data) reload();
  };
  return (
    <Page title="Settings" intro="How provisioning behaves for your organisation.">
      <ErrorText>{describeError(error)}</ErrorText>
      {settings && (
        <>
          <SubstitutePanel userId={settings.defaultSubstituteUserId} onChanged={reload} />
          <Panel title="Provisioning">
            <CheckField
              label="Transfer ownership on deactivation too"
              checked={settings.transferOnDeactivate}
              onChange={(checked) => void change({ transferOnDeactivate: checked })}
              hint="Off: only a deleted user’s resources go to the substitute."
            />
            <CheckField
              label="Restrict group assignment to the IdP"
              checked={settings.restrictGroupsToIdp}
              onChange={(checked) => void change({ restrictGroupsToIdp: checked })}
              hint="On: groups and memberships change only over SCIM; manual edits are refused."
            />
            {settings.restrictGroupsToIdp && manual && manual.totalCount > 0 && (
              <div className="once" role="status">
                <p>
                  {manual.totalCount} memberships were made by hand (e.g. in {[...new Set(manual.nodes.map((node) => node.group.displayName))].slice(0, 5).join(', ')}). The IdP does not know them.
                </p>
                <button type="button" onClick={() => void removeManual({}).then(reload)}>
                  Remove the manual memberships
                </button>
              </div>
            )}
            {removal.data && <Status tone="ok">{removal.data.removeManualMemberships.removed} manual memberships removed</Status>}
            <ErrorText>{describeError(removal.error)}</ErrorText>
            <SelectField
              label="When the IdP deletes a user"
              value={settings.scimUserDelete}
              onChange={(value) => void change({ scimUserDelete: value as 'DEPROVISION' | 'REMOVE' })}
              options={[
                ['REMOVE', 'Remove the user for good'],
                ['DEPROVISION', 'Keep it deprovisioned (restorable)'],
              ]}
            />
            <CheckField label="Keep the last user requests for dry runs (redacted)" checked={settings.keepRecentRequests} onChange={(checked) => void change({ keepRecentRequests: checked })} />
            <CheckField label="Keep request bodies in the provisioning log (redacted)" checked={settings.provisioningLogBodies} onChange={(checked) => void change({ provisioningLogBodies: checked })} />
            <SelectField
              label="User PATCH answers"
              value={String(settings.userPatchStatus)}
              onChange={(value) => void change({ userPatchStatus: Number(value) })}
              options={[
                ['200', '200 with the user (most IdPs)'],
                ['204', '204 No Content (what Entra expects)'],
              ]}
            />
            <form
              className="inline-form"
              onSubmit={(event) => {
                event.preventDefault();
                void change({ tokenGraceSeconds: Number(grace) });
              }}
            >
              <TextField label="Token grace period (seconds)" value={grace} onChange={setGrace} hint="How long a rotated-out SCIM token keeps working; 0 stops it at once." />
              <button type="submit">Save grace period</button>
            </form>
            <ErrorText>{describeError(update.error)}</ErrorText>
          </Panel>
          <SignInPanel current={data.consoleSignIn} onChanged={reload} />
        </>
      )}
    </Page>
  );
}
