import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { describeError } from '../api';
import {
  ConsoleApiKeysDocument,
  ConsoleAssignOrphansDocument,
  ConsoleCreateApiKeyDocument,
  ConsoleCreateSetupLinkDocument,
  ConsoleCreateWebhookDocument,
  ConsoleOrphansDocument,
  ConsoleReplayDeliveriesDocument,
  ConsoleRevokeApiKeyDocument,
  ConsoleRevokeSetupLinkDocument,
  ConsoleRotateWebhookSecretDocument,
  ConsoleWebhookDeliveriesDocument,
  ConsoleWebhooksDocument,
} from '../graphql/generated';
import { UserPicker } from '../components/UserPicker';
import { CheckField, CopyField, ErrorText, formatTime, Page, Panel, Status, TextField } from '../ui';

function Once({ label, value }: { label: string; value: string }) {
  return (
    <div className="once" role="status">
      <p>
        <strong>Copy it now: it is shown only once.</strong>
      </p>
      <CopyField label={label} value={value} secret />
    </div>
  );
}

function ApiKeys() {
  const [{ data, error }, refetch] = useQuery({ query: ConsoleApiKeysDocument });
  const [created, createKey] = useMutation(ConsoleCreateApiKeyDocument);
  const [revoked, revokeKey] = useMutation(ConsoleRevokeApiKeyDocument);
  const [name, setName] = useState('');
  const [admin, setAdmin] = useState(false);
  const [nameError, setNameError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSecret(null);
    if (!name.trim()) return setNameError('Give the key a name that says what it is for.');
    setNameError(null);
    const result = await createKey({ input: { name: name.trim(), scopes: admin ? ['READ', 'ADMIN'] : ['READ'] } });
    if (result.data) {
      setSecret(result.data.createApiKey.secret);
      setName('');
      reload();
    }
  };
  return (
    <Panel title="API keys">
      <ErrorText>{describeError(error)}</ErrorText>
      <form onSubmit={submit} noValidate className="inline-form" aria-label="Create an API key">
        <TextField label="Key name" value={name} onChange={setName} error={nameError} placeholder="HR dashboard" />
        <CheckField label="Admin scope (configuration, logs)" checked={admin} onChange={setAdmin} />
        <button type="submit" className="primary" disabled={created.fetching}>
          Create API key
        </button>
      </form>
      <ErrorText>{describeError(created.error)}</ErrorText>
      {secret && <Once label="New API key" value={secret} />}
      <ErrorText>{describeError(revoked.error)}</ErrorText>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scopes</th>
              <th scope="col">Created</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {data?.apiKeys.map((key) => (
              <tr key={key.id}>
                <td>{key.name}</td>
                <td>{key.scopes.join(', ').toLowerCase()}</td>
                <td>{formatTime(key.createdAt)}</td>
                <td>
                  {key.revokedAt ? (
                    <Status tone="fail">Revoked {formatTime(key.revokedAt)}</Status>
                  ) : (
                    <>
                      <Status tone="ok">Active</Status>{' '}
                      <button type="button" onClick={() => void revokeKey({ input: { id: key.id } }).then(reload)}>
                        Revoke {key.name}
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}

function SetupLinks() {
  const [{ data }, refetch] = useQuery({ query: ConsoleApiKeysDocument });
  const [minted, mint] = useMutation(ConsoleCreateSetupLinkDocument);
  const [, revoke] = useMutation(ConsoleRevokeSetupLinkDocument);
  const [url, setUrl] = useState<string | null>(null);
  const reload = () => refetch({ requestPolicy: 'network-only' });
  return (
    <Panel title="Console setup links">
      <p>A one-time link that opens this console as an admin of your organisation, e.g. for your IdP administrator.</p>
      <button
        type="button"
        onClick={async () => {
          const result = await mint({});
          if (result.data) {
            const link = result.data.createConsoleSetupLink.url;
            setUrl(link.startsWith('/') ? `${window.location.origin}${link}` : link);
            reload();
          }
        }}
      >
        Create a setup link
      </button>
      <ErrorText>{describeError(minted.error)}</ErrorText>
      {url && <Once label="Setup link" value={url} />}
      <ul>
        {data?.consoleSetupLinks.map((link) => (
          <li key={link.id}>
            Created {formatTime(link.createdAt)} by {link.createdBy}:{' '}
            {link.revokedAt ? (
              <Status tone="fail">revoked</Status>
            ) : link.usedAt ? (
              <Status tone="ok">used {formatTime(link.usedAt)}</Status>
            ) : Date.parse(link.expiresAt) < Date.now() ? (
              <Status tone="warn">expired</Status>
            ) : (
              <Status tone="wait">unused until {formatTime(link.expiresAt)}</Status>
            )}{' '}
            {!link.revokedAt && (
              <button type="button" onClick={() => void revoke({ input: { id: link.id } }).then(reload)}>
                Revoke link
              </button>
            )}
          </li>
        ))}
      </ul>
    </Panel>
  );
}

function Deliveries({ endpointId }: { endpointId: string }) {
  const [{ data, error }, refetch] = useQuery({ query: ConsoleWebhookDeliveriesDocument, variables: { endpointId, first: 20 }, requestPolicy: 'network-only' });
  const [replay, replayDeliveries] = useMutation(ConsoleReplayDeliveriesDocument);
  return (
    <div className="details">
      <ErrorText>{describeError(error ?? replay.error)}</ErrorText>
      <button type="button" onClick={() => void replayDeliveries({ input: { endpointId, failedOnly: true } }).then(() => refetch({ requestPolicy: 'network-only' }))}>
        Replay failed deliveries
      </button>{' '}
      <button type="button" onClick={() => refetch({ requestPolicy: 'network-only' })}>
        Refresh deliveries
      </button>
      {replay.data && <Status tone="ok">{replay.data.replayWebhookDeliveries.replayed} deliveries queued again</Status>}
      <table>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {data?.webhookDeliveries.nodes.map((delivery) => (
            <tr key={delivery.eventId}>
              <td>
                {delivery.eventType} {delivery.resourceType} {delivery.resourceId}
              </td>
              <td>
                <Status tone={delivery.status === 'DELIVERED' ? 'ok' : delivery.status === 'FAILED' ? 'fail' : 'wait'}>{delivery.status.toLowerCase()}</Status>
                {delivery.lastError && ` (${delivery.lastError})`}
              </td>
              <td>{delivery.attempts}</td>
              <td>
                <button type="button" onClick={() => void replayDeliveries({ input: { endpointId, eventId: delivery.eventId } })}>
                  Replay
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Webhooks() {
  const [{ data, error }, refetch] = useQuery({ query: ConsoleWebhooksDocument });
  const [created, createEndpoint] = useMutation(ConsoleCreateWebhookDocument);
  const [rotated, rotateSecret] = useMutation(ConsoleRotateWebhookSecretDocument);
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSecret(null);
    const result = await createEndpoint({ input: { url: url.trim() } });
    if (result.data) {
      setSecret(result.data.createWebhookEndpoint.secret);
      setUrl('');
      refetch({ requestPolicy: 'network-only' });
    }
  };
  return (
    <Panel title="Webhook endpoints">
      <form onSubmit={submit} noValidate className="inline-form" aria-label="Add a webhook endpoint">
        <TextField label="Endpoint URL" value={url} onChange={setUrl} error={describeError(created.error)} placeholder="https://hooks.example.com/identity" />
        <button type="submit" className="primary">
          Add endpoint
        </button>
      </form>
      {secret && <Once label="Signing secret" value={secret} />}
      <ErrorText>{describeError(error ?? rotated.error)}</ErrorText>
      {rotated.data && <Once label="New signing secret" value={rotated.data.rotateWebhookSecret.secret} />}
      <ul>
        {data?.webhookEndpoints.map((endpoint) => (
          <li key={endpoint.id}>
            <code>{endpoint.url}</code>{' '}
            {endpoint.circuit.state === 'CLOSED' ? <Status tone="ok">delivering</Status> : <Status tone="fail">paused after {endpoint.consecutiveFailures} failures</Status>}
            {endpoint.lastError && ` (last error: ${endpoint.lastError})`}{' '}
            <button type="button" onClick={() => void rotateSecret({ input: { id: endpoint.id } })}>
              Rotate secret
            </button>{' '}
            <button type="button" aria-expanded={open === endpoint.id} onClick={() => setOpen(open === endpoint.id ? null : endpoint.id)}>
              Deliveries
            </button>
            {open === endpoint.id && <Deliveries endpointId={endpoint.id} />}
          </li>
        ))}
      </ul>
    </Panel>
  );
}

function Orphans() {
  const [{ data, error }, refetch] = useQuery({ query: ConsoleOrphansDocument });
  const [assignment, assign] = useMutation(ConsoleAssignOrphansDocument);
  const count = data?.orphanedResources.nodes.length ?? 0;
  return (
    <Panel title="Orphaned resources">
      <ErrorText>{describeError(error ?? assignment.error)}</ErrorText>
      {assignment.data && <Status tone="ok">{assignment.data.assignOrphanedResources.assigned} resources reassigned</Status>}
      {count > 0 && (
        <UserPicker
          label="Give every orphaned resource to"
          onPick={(user) => void assign({ input: { toUserId: user.id } }).then(() => refetch({ requestPolicy: 'network-only' }))}
        />
      )}
      {data && data.orphanedResources.nodes.length === 0 && <p>None: every resource your apps registered has an owner.</p>}
      <ul>
        {data?.orphanedResources.nodes.map((resource) => (
          <li key={`${resource.resourceType}:${resource.resourceId}`}>
            {resource.resourceType} {resource.resourceId} (was owned by {resource.previousOwnerUserId ?? 'unknown'})
          </li>
        ))}
      </ul>
      <p className="hint">Set a default substitute (Settings) so deprovisioned users’ resources move instead.</p>
    </Panel>
  );
}

export function AppsPage() {
  return (
    <Page title="Apps" intro="Credentials and notifications for the apps that read your directory.">
      <ApiKeys />
      <Webhooks />
      <Orphans />
      <SetupLinks />
    </Page>
  );
}
