import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link } from 'wouter';
import { describeError } from '../api';
import { ConsoleSetConnectionDialectDocument, ConsoleSetTokenExpiryDocument, FirstArrivalsDocument, RecentScimRequestsDocument, RotateScimTokenDocument, ScimConnectionDocument } from '../graphql/generated';
import { CopyField, ErrorText, formatTime, Page, Panel, Status, TextField } from '../ui';

type Idp = 'entra' | 'okta' | 'onelogin' | 'generic';

interface IdpGuide {
  readonly name: string;
  /** What the IdP calls the SCIM base URL and the token. */
  readonly urlLabel: string;
  readonly tokenLabel: string;
  readonly steps: readonly string[];
  readonly extra?: readonly (readonly [string, string])[];
  readonly testButton: string;
}

// Each IdP's own words, as their setup pages (the vendors' help articles) use them.
const GUIDES: Record<Idp, IdpGuide> = {
  entra: {
    name: 'Microsoft Entra ID',
    urlLabel: 'Tenant URL',
    tokenLabel: 'Secret Token',
    steps: [
      'In the Entra admin center, open Enterprise applications > New application > Create your own application (non-gallery).',
      'Open the Provisioning tab and set Provisioning Mode to Automatic.',
      'Under Admin Credentials, paste the Tenant URL and the Secret Token below.',
      'Press Test Connection: this page shows the request arrive.',
      'Under Mappings, keep userName matched to userPrincipalName; send userType for roles. Then turn Provisioning Status On.',
    ],
    testButton: 'Test Connection',
  },
  okta: {
    name: 'Okta',
    urlLabel: 'SCIM connector base URL',
    tokenLabel: 'Authorization (Bearer)',
    steps: [
      'In the Okta Admin Console, open your app integration, then the General tab: enable SCIM provisioning.',
      'Open the Provisioning tab > Integration and enter the values below.',
      'Set Unique identifier field for users to userName.',
      'Check Supported provisioning actions: Push New Users, Push Profile Updates, Push Groups.',
      'Set Authentication Mode to HTTP Header and paste the token into Authorization.',
      'Press Test Connector Configuration: this page shows the request arrive.',
    ],
    extra: [
      ['Unique identifier field for users', 'userName'],
      ['Authentication Mode', 'HTTP Header'],
    ],
    testButton: 'Test Connector Configuration',
  },
  onelogin: {
    name: 'OneLogin',
    urlLabel: 'SCIM Base URL',
    tokenLabel: 'SCIM Bearer Token',
    steps: [
      'In OneLogin, add the app "SCIM Provisioner with SAML (SCIM v2 Enterprise)".',
      'Open Configuration and enter the SCIM Base URL and the SCIM Bearer Token below.',
      'Press Enable under API Connection: this page shows the request arrive. Then Save.',
      'Open Provisioning and activate Enable provisioning; send the role in title (OneLogin) or userType.',
    ],
    testButton: 'Enable (API Connection)',
  },
  generic: {
    name: 'Another SCIM 2.0 client',
    urlLabel: 'SCIM base URL',
    tokenLabel: 'Bearer token',
    steps: ['Point the client at the SCIM base URL.', 'Send the token as "Authorization: Bearer <token>".', 'Send any request (e.g. GET /Users?count=1): this page shows it arrive.'],
    testButton: 'its connection test',
  },
};

function TokenPanel({ onIssued }: { onIssued: () => void }) {
  const [{ data, error }, refetch] = useQuery({ query: ScimConnectionDocument });
  const [rotation, rotate] = useMutation(RotateScimTokenDocument);
  const [expiryChange, setExpiry] = useMutation(ConsoleSetTokenExpiryDocument);
  const [expiresOn, setExpiresOn] = useState('');
  const [expiryError, setExpiryError] = useState<string | null>(null);
  const changeExpiry = async (event: FormEvent) => {
    event.preventDefault();
    setExpiryError(null);
    const expiresAt = expiresOn === '' ? null : new Date(expiresOn);
    if (expiresAt && (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= Date.now())) return setExpiryError('Choose a time in the future, or leave it empty for never.');
    const result = await setExpiry({ input: { expiresAt: expiresAt?.toISOString() ?? null } });
    if (result.data) refetch({ requestPolicy: 'network-only' });
  };
  const [days, setDays] = useState('');
  const [daysError, setDaysError] = useState<string | null>(null);
  const [issued, setIssued] = useState<string | null>(null);
  const token = data?.scimConnection.token;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDaysError(null);
    const expiresInDays = days.trim() === '' ? undefined : Number(days);
    if (expiresInDays !== undefined && (!Number.isInteger(expiresInDays) || expiresInDays <= 0)) return setDaysError('Expiry is a whole number of days, or empty for never.');
    const result = await rotate({ input: { expiresInDays } });
    if (result.data) {
      setIssued(result.data.rotateScimToken.scimToken);
      onIssued();
      refetch({ requestPolicy: 'network-only' });
    }
  };
  const graceSeconds = data?.viewer.tenant.settings.tokenGraceSeconds ?? 0;
  return (
    <Panel title="Secret token">
      <ErrorText>{describeError(error)}</ErrorText>
      {token && (
        <dl className="facts">
          <dt>Current token</dt>
          <dd>{token.createdAt ? `${token.prefix}… issued ${formatTime(token.createdAt)}` : 'none issued yet'}</dd>
          <dt>Expires</dt>
          <dd>{token.expiresAt ? formatTime(token.expiresAt) : 'never'}</dd>
          <dt>Last used</dt>
          <dd>{token.lastUsedAt ? formatTime(token.lastUsedAt) : 'not yet'}</dd>
          {token.graceUntil && (
            <>
              <dt>Previous token works until</dt>
              <dd>{formatTime(token.graceUntil)}</dd>
            </>
          )}
        </dl>
      )}
      <form onSubmit={submit} className="inline-form" noValidate>
        <TextField label="Expires in days (optional)" value={days} onChange={setDays} error={daysError} hint="Empty: the token never expires." />
        <button type="submit" className="primary" disabled={rotation.fetching}>
          {token?.createdAt ? 'Rotate token' : 'Generate token'}
        </button>
      </form>
      <p className="hint">
        {graceSeconds > 0
          ? `The previous token keeps working for ${graceSeconds} seconds after a rotation (grace period, in Settings).`
          : 'Generating a new token stops the previous one at once (a grace period can be set in Settings).'}
      </p>
      <ErrorText>{describeError(rotation.error)}</ErrorText>
      {token?.createdAt && (
        <form onSubmit={changeExpiry} className="inline-form" noValidate aria-label="Change the current token's expiry">
          <TextField label="Current token expires at" type="datetime-local" value={expiresOn} onChange={setExpiresOn} error={expiryError ?? describeError(expiryChange.error)} hint="Empty: never. The token itself stays the same." />
          <button type="submit">Set expiry</button>
        </form>
      )}
      {issued && (
        <div className="once" role="status">
          <p>
            <strong>Copy the new token now: it is shown only once.</strong>
          </p>
          <CopyField label="New secret token" value={issued} secret />
        </div>
      )}
    </Panel>
  );
}

/** The live connection check: polls the provisioning log for requests since the admin started waiting. */
function ConnectionCheck({ idp, since }: { idp: Idp; since: string | null }) {
  const [{ data, error }, refetch] = useQuery({ query: RecentScimRequestsDocument, variables: { first: 5, filter: { from: since } }, pause: since === null, requestPolicy: 'network-only' });
  useEffect(() => {
    if (since === null) return;
    const timer = setInterval(() => refetch({ requestPolicy: 'network-only' }), 1500);
    return () => clearInterval(timer);
  }, [since, refetch]);
  const requests = data?.provisioningLog.nodes ?? [];
  return (
    <div aria-live="polite">
      <ErrorText>{describeError(error)}</ErrorText>
      {since !== null && requests.length === 0 && <Status tone="wait">Waiting for {GUIDES[idp].name}’s {GUIDES[idp].testButton} request…</Status>}
      {requests.length > 0 && (
        <table>
          <caption>Requests received since {formatTime(since)}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Request</th>
              <th scope="col">Answer</th>
            </tr>
          </thead>
          <tbody>
            {requests.map((entry) => (
              <tr key={entry.id}>
                <td>{formatTime(entry.at)}</td>
                <td>
                  <code>
                    {entry.method} {entry.path}
                  </code>
                </td>
                <td>
                  {entry.status < 400 ? (
                    <Status tone="ok">Arrived, answered {entry.status}</Status>
                  ) : (
                    <Status tone="fail">
                      Answered {entry.status}
                      {entry.status === 401 ? ': the token was refused (copy the current one)' : entry.errorDetail ? `: ${entry.errorDetail}` : ''}
                    </Status>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function FirstArrivals() {
  const [{ data }, refetch] = useQuery({ query: FirstArrivalsDocument, requestPolicy: 'network-only' });
  useEffect(() => {
    const timer = setInterval(() => refetch({ requestPolicy: 'network-only' }), 5000);
    return () => clearInterval(timer);
  }, [refetch]);
  if (!data) return null;
  return (
    <Panel title="First users and groups">
      <p>
        {data.users.totalCount} users and {data.groups.totalCount} groups so far.
      </p>
      <ul>
        {data.users.nodes.map((user) => (
          <li key={user.id}>
            <Link href={`/users/${user.id}`}>{user.displayName ?? user.userName}</Link> — {user.userName}
          </li>
        ))}
      </ul>
      {data.groups.nodes.length > 0 && (
        <ul>
          {data.groups.nodes.map((group) => (
            <li key={group.id}>
              <Link href={`/groups/${group.id}`}>{group.displayName}</Link> — {group.memberCount} members
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

function isIdp(dialect: string | undefined): dialect is Idp {
  return dialect !== undefined && dialect in GUIDES;
}

/**
 * The connection's dialect as radios: the stored one is selected; picking another stores it at once
 * (setScimConnectionDialect), and the steps below follow the pick. A refused change goes back to the stored one.
 */
function DialectChoice({ stored, chosen, onChoose }: { stored: Idp; chosen: Idp; onChoose: (idp: Idp | null) => void }) {
  const [change, setDialect] = useMutation(ConsoleSetConnectionDialectDocument);
  const [done, setDone] = useState<ReactNode>(null);
  const hintId = useId();
  const choose = async (next: Idp) => {
    onChoose(next);
    setDone(null);
    const result = await setDialect({ input: { dialect: next } });
    if (!result.data) return onChoose(null);
    const draft = result.data.setScimConnectionDialect.presetDraftVersion;
    setDone(
      <>
        The connection now speaks {GUIDES[next].name}.
        {draft !== null && (
          <>
            {' '}
            Its mapping preset is draft version {draft}: <Link href="/mapping">review and activate it in Mapping</Link>.
          </>
        )}
      </>,
    );
  };
  return (
    <>
      <div role="radiogroup" aria-label="Identity provider" aria-describedby={hintId} className="segmented">
        {(Object.keys(GUIDES) as Idp[]).map((key) => (
          <label key={key} className={key === chosen ? 'selected' : undefined}>
            <input type="radio" name="idp" value={key} checked={key === chosen} disabled={change.fetching} onChange={() => void choose(key)} />
            {GUIDES[key].name}
          </label>
        ))}
      </div>
      <p className="hint" id={hintId}>
        The connection is set for {GUIDES[stored].name}. Picking another sets it for that IdP: how its requests are read, its setting defaults, and its mapping preset offered as a draft.
      </p>
      <ErrorText>{describeError(change.error)}</ErrorText>
      <p role="status">{done}</p>
    </>
  );
}

export function ConnectPage() {
  const [{ data, error }] = useQuery({ query: ScimConnectionDocument });
  const [picked, setPicked] = useState<Idp | null>(null);
  const [since, setSince] = useState<string | null>(null);
  const dialect = data?.scimConnection.dialect;
  const stored: Idp = isIdp(dialect) ? dialect : 'generic';
  const idp = picked ?? stored;
  const guide = GUIDES[idp];
  const scimUrl = `${window.location.origin}/scim/v2`;
  const startWaiting = () => setSince(new Date(Date.now() - 1000).toISOString());
  return (
    <Page title="Connect your IdP" intro="Provision users and groups from your identity provider over SCIM 2.0: pick it, paste two values into it, and test the connection.">
      <ErrorText>{describeError(error)}</ErrorText>
      {data && <DialectChoice stored={stored} chosen={idp} onChoose={setPicked} />}
      <Panel title={`Set up ${guide.name}`}>
        <ol className="steps">
          {guide.steps.map((step) => (
            <li key={step}>{step}</li>
          ))}
        </ol>
        <CopyField label={guide.urlLabel} value={scimUrl} />
        {guide.extra?.map(([label, value]) => <CopyField key={label} label={label} value={value} />)}
        <p className="hint">
          {guide.tokenLabel}: generate it below; it is shown once.
        </p>
      </Panel>
      <TokenPanel onIssued={startWaiting} />
      <Panel title="Connection check" actions={since === null ? <button type="button" onClick={startWaiting}>Wait for a test request</button> : null}>
        <p>After you paste the values, press {guide.testButton} in {guide.name}. Each request it sends appears here with how it was answered.</p>
        <ConnectionCheck idp={idp} since={since} />
      </Panel>
      <FirstArrivals />
    </Page>
  );
}
