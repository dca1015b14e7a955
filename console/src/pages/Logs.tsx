import { useState, type FormEvent } from 'react';
import { useQuery } from 'urql';
import { describeError } from '../api';
import { ConsoleAuditEventsDocument, ConsoleProvisioningLogDocument, type ProvisioningLogFilter } from '../graphql/generated';
import { ErrorText, formatTime, Json, Page, Panel, SelectField, Status, TextField } from '../ui';

function toIso(local: string): string | undefined {
  return local ? new Date(local).toISOString() : undefined;
}

function ProvisioningLog() {
  const [outcome, setOutcome] = useState('any');
  const [method, setMethod] = useState('any');
  const [resourceId, setResourceId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [filter, setFilter] = useState<ProvisioningLogFilter>({});
  const [openId, setOpenId] = useState<string | null>(null);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [{ data, error }] = useQuery({ query: ConsoleProvisioningLogDocument, variables: { filter, first: 50, after: cursors[cursors.length - 1] }, requestPolicy: 'network-only' });
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilter({
      failed: outcome === 'any' ? undefined : outcome === 'failed',
      method: method === 'any' ? undefined : method,
      resourceId: resourceId.trim() || undefined,
      from: toIso(from),
      to: toIso(to),
    });
    setCursors([null]);
  };
  return (
    <Panel title="Provisioning log">
      <form className="filters" onSubmit={apply} aria-label="Filter the provisioning log">
        <SelectField label="Outcome" value={outcome} onChange={setOutcome} options={[['any', 'Any'], ['failed', 'Failed (400 and above)'], ['ok', 'Succeeded']]} />
        <SelectField label="Method" value={method} onChange={setMethod} options={[['any', 'Any'], ['GET', 'GET'], ['POST', 'POST'], ['PUT', 'PUT'], ['PATCH', 'PATCH'], ['DELETE', 'DELETE']]} />
        <TextField label="User or group id" value={resourceId} onChange={setResourceId} />
        <TextField label="From" type="datetime-local" value={from} onChange={setFrom} />
        <TextField label="To" type="datetime-local" value={to} onChange={setTo} />
        <button type="submit" className="primary">
          Apply filters
        </button>
      </form>
      <ErrorText>{describeError(error)}</ErrorText>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Request</th>
              <th scope="col">Outcome</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {data?.provisioningLog.nodes.map((entry) => (
              <tr key={entry.id}>
                <td>{formatTime(entry.at)}</td>
                <td>
                  <code>
                    {entry.method} {entry.path}
                  </code>
                </td>
                <td>{entry.status >= 400 ? <Status tone="fail">Failed {entry.status}</Status> : <Status tone="ok">{entry.status}</Status>}</td>
                <td>
                  <button type="button" aria-expanded={openId === entry.id} onClick={() => setOpenId(openId === entry.id ? null : entry.id)}>
                    {openId === entry.id ? 'Hide' : 'Show'} details
                  </button>
                  {openId === entry.id && (
                    <div className="details">
                      {entry.status >= 400 && (
                        <p>
                          SCIM error: {entry.errorDetail ?? 'no detail'}
                          {entry.scimType ? ` (scimType ${entry.scimType})` : ''}
                        </p>
                      )}
                      <p>
                        Request id <code>{entry.requestId}</code>, {entry.durationMs} ms
                      </p>
                      {entry.body ? <Json value={entry.body} label="Request body (redacted)" /> : <p className="muted">The body was not kept (Settings: keep request bodies).</p>}
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data && data.provisioningLog.nodes.length === 0 && <p>No requests match.</p>}
      <nav className="pager" aria-label="Provisioning log pages">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer requests
        </button>
        <button type="button" disabled={!data?.provisioningLog.pageInfo.hasNextPage} onClick={() => setCursors([...cursors, data!.provisioningLog.pageInfo.endCursor ?? null])}>
          Older requests
        </button>
      </nav>
    </Panel>
  );
}

function AuditTrail() {
  const [action, setAction] = useState('');
  const [applied, setApplied] = useState('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [{ data, error }] = useQuery({ query: ConsoleAuditEventsDocument, variables: { filter: applied ? { action: applied } : null, first: 50, after: cursors[cursors.length - 1] }, requestPolicy: 'network-only' });
  return (
    <Panel title="Audit trail">
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied(action.trim());
          setCursors([null]);
        }}
      >
        <TextField label="Action" value={action} onChange={setAction} placeholder="mapping.activated" />
        <button type="submit">Filter</button>
      </form>
      <ErrorText>{describeError(error)}</ErrorText>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Target</th>
            </tr>
          </thead>
          <tbody>
            {data?.auditEvents.nodes.map((event) => (
              <tr key={event.id}>
                <td>{formatTime(event.at)}</td>
                <td>
                  {event.actor.type}: {event.actor.id}
                </td>
                <td>{event.action}</td>
                <td>
                  {event.target.type} {event.target.id ?? ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Audit trail pages">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer changes
        </button>
        <button type="button" disabled={!data?.auditEvents.pageInfo.hasNextPage} onClick={() => setCursors([...cursors, data!.auditEvents.pageInfo.endCursor ?? null])}>
          Older changes
        </button>
      </nav>
    </Panel>
  );
}

export function LogsPage() {
  return (
    <Page title="Logs" intro="Every SCIM request your IdP sent, and every change made to your organisation’s setup.">
      <ProvisioningLog />
      <AuditTrail />
    </Page>
  );
}
