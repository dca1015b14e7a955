import { useState, type FormEvent } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import { Link } from 'wouter';
import { describeError } from '../api';
import { GroupMemberships } from '../components/GroupMemberships';
import {
  ConsoleDeprovisionedUsersDocument,
  ConsoleDomainSchemaDocument,
  ConsoleGroupDocument,
  ConsoleGroupsDocument,
  ConsolePurgeUserDocument,
  ConsoleRestoreUserDocument,
  ConsoleUserCountDocument,
  ConsoleUserDocument,
  ConsoleUsersDocument,
  type ConsoleDeprovisionedUsersQuery,
  type UserFilter,
} from '../graphql/generated';
import { ErrorText, formatTime, Json, Page, Panel, SelectField, Status, TextField } from '../ui';

const PAGE_SIZE = 25;

/** Keyset paging: the cursors of the pages before this one, so Previous goes back without offsets. */
function usePager() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    after: cursors[cursors.length - 1],
    page: cursors.length,
    next: (cursor: string | null | undefined) => cursor && setCursors([...cursors, cursor]),
    previous: () => setCursors(cursors.length > 1 ? cursors.slice(0, -1) : cursors),
    reset: () => setCursors([null]),
  };
}

function Pager({ page, hasNext, onNext, onPrevious, total }: { page: number; hasNext: boolean; onNext: () => void; onPrevious: () => void; total?: number }) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" onClick={onPrevious} disabled={page <= 1}>
        Previous
      </button>
      <span>
        Page {page}
        {total !== undefined && ` of ${Math.max(1, Math.ceil(total / PAGE_SIZE))}`}
      </span>
      <button type="button" onClick={onNext} disabled={!hasNext}>
        Next
      </button>
    </nav>
  );
}

const FILTER_FIELDS = [
  ['search', 'Search (name, userName, email)'],
  ['department', 'Department'],
  ['businessUnit', 'Business unit'],
  ['region', 'Region'],
] as const;

type FilterText = Record<(typeof FILTER_FIELDS)[number][0], string>;
const EMPTY_FILTER: FilterText = { search: '', department: '', businessUnit: '', region: '' };

/** The role names of the active domain schema (the appRoles field's values). */
function useRoleNames(): string[] {
  const [{ data }] = useQuery({ query: ConsoleDomainSchemaDocument });
  const active = data?.domainSchemaVersions.find((version) => version.state === 'ACTIVE')?.definition as { schema?: { fields?: { key: string; values?: string[] }[] } } | undefined;
  return active?.schema?.fields?.find((field) => field.key === 'appRoles')?.values ?? [];
}

export function UsersPage() {
  const [draft, setDraft] = useState<FilterText>(EMPTY_FILTER);
  const [active, setActive] = useState('any');
  const [role, setRole] = useState('');
  const [groupName, setGroupName] = useState('');
  const [groupError, setGroupError] = useState<string | null>(null);
  const [filter, setFilter] = useState<UserFilter>({});
  const roles = useRoleNames();
  const client = useClient();
  const pager = usePager();
  const [{ data, error, fetching }] = useQuery({ query: ConsoleUsersDocument, variables: { filter, first: PAGE_SIZE, after: pager.after } });
  // Asked once the page is shown: on SQLite the two would queue behind each other.
  const [{ data: counted }] = useQuery({ query: ConsoleUserCountDocument, variables: { filter }, pause: fetching || !data });
  const total = counted?.users.totalCount;
  const apply = async (event: FormEvent) => {
    event.preventDefault();
    setGroupError(null);
    const next: UserFilter = {};
    for (const [key] of FILTER_FIELDS) if (draft[key].trim()) next[key] = draft[key].trim();
    if (active !== 'any') next.active = active === 'active';
    if (role) next.appRole = role;
    if (groupName.trim()) {
      const found = await client.query(ConsoleGroupsDocument, { filter: { displayName: groupName.trim() }, first: 1 }).toPromise();
      const group = found.data?.groups.nodes[0];
      if (!group) return setGroupError(describeError(found.error) ?? `No group is named ${groupName.trim()}.`);
      next.groupId = group.id;
    }
    setFilter(next);
    pager.reset();
  };
  const users = data?.users;
  return (
    <Page title="Users" intro="Everyone your IdP provisioned, with the values the mapping made of them. Filters run on the server; search finds each word at the start of a name, userName or email (“ada lov” finds Ada Lovelace).">
      <p>
        <Link href="/users/deprovisioned">Deprovisioned users</Link>
      </p>
      <form className="filters" onSubmit={(event) => void apply(event)} aria-label="Filter users">
        {FILTER_FIELDS.map(([key, label]) => (
          <TextField key={key} label={label} value={draft[key]} onChange={(value) => setDraft({ ...draft, [key]: value })} />
        ))}
        <SelectField label="Role" value={role} onChange={setRole} options={[['', 'Any role'], ...roles.map((name) => [name, name] as const)]} />
        <TextField label="Member of group" value={groupName} onChange={setGroupName} error={groupError} />
        <SelectField label="Status" value={active} onChange={setActive} options={[['any', 'Active or not'], ['active', 'Active'], ['inactive', 'Inactive']]} />
        <button type="submit" className="primary">
          Apply filters
        </button>
      </form>
      <ErrorText>{describeError(error)}</ErrorText>
      {users && (
        <>
          <p aria-live="polite">{fetching ? 'Loading…' : total === undefined ? 'Counting users…' : `${total} users`}</p>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Status</th>
                  <th scope="col">Roles</th>
                  <th scope="col">Department</th>
                  <th scope="col">Business unit</th>
                  <th scope="col">Region</th>
                </tr>
              </thead>
              <tbody>
                {users.nodes.map((user) => (
                  <tr key={user.id}>
                    <td>
                      <Link href={`/users/${user.id}`}>{user.displayName ?? user.userName}</Link>
                      <div className="muted">{user.userName}</div>
                    </td>
                    <td>{user.active ? <Status tone="ok">Active</Status> : <Status tone="warn">Inactive</Status>}</td>
                    <td>{user.appRoles.join(', ') || '—'}</td>
                    <td>{user.department ?? '—'}</td>
                    <td>{user.businessUnit ?? '—'}</td>
                    <td>{user.region ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {users.nodes.length === 0 && !fetching && <p>No users match.</p>}
          <Pager page={pager.page} total={total} hasNext={users.pageInfo.hasNextPage} onNext={() => pager.next(users.pageInfo.endCursor)} onPrevious={pager.previous} />
        </>
      )}
    </Page>
  );
}

type DeprovisionedUser = ConsoleDeprovisionedUsersQuery['deprovisionedUsers']['nodes'][number];

/** One deprovisioned user: Restore at once, Purge only after the admin confirms; an error shows in its row. */
function DeprovisionedRow({ user, onDone }: { user: DeprovisionedUser; onDone: (message: string) => void }) {
  const [restored, restore] = useMutation(ConsoleRestoreUserDocument);
  const [purged, purge] = useMutation(ConsolePurgeUserDocument);
  const [confirming, setConfirming] = useState(false);
  const doRestore = async () => {
    const result = await restore({ input: { id: user.id } });
    if (result.data) onDone(`${user.userName} is restored.`);
  };
  const doPurge = async () => {
    const result = await purge({ input: { id: user.id } });
    setConfirming(false);
    if (result.data) onDone(`${user.userName} is purged.`);
  };
  const busy = restored.fetching || purged.fetching;
  return (
    <tr>
      <td>
        {user.userName}
        <div className="muted">external id {user.externalId ?? '—'}</div>
      </td>
      <td>{formatTime(user.deprovisionedAt)}</td>
      <td>{user.substituteUserId ? <Link href={`/users/${user.substituteUserId}`}>the substitute</Link> : 'nobody (orphaned)'}</td>
      <td>
        {confirming ? (
          <div role="group" aria-label={`Confirm purging ${user.userName}`}>
            <p>Purge {user.userName} for good? Its history goes too; this cannot be undone.</p>
            <button type="button" className="danger" onClick={() => void doPurge()} disabled={busy}>
              Purge for good
            </button>{' '}
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        ) : (
          <>
            <button type="button" aria-label={`Restore ${user.userName}`} onClick={() => void doRestore()} disabled={busy}>
              Restore
            </button>{' '}
            <button type="button" aria-label={`Purge ${user.userName}`} onClick={() => setConfirming(true)} disabled={busy}>
              Purge
            </button>
          </>
        )}
        <ErrorText>{describeError(restored.error ?? purged.error)}</ErrorText>
      </td>
    </tr>
  );
}

export function DeprovisionedUsersPage() {
  const pager = usePager();
  const [{ data, error, fetching }, refetch] = useQuery({ query: ConsoleDeprovisionedUsersDocument, variables: { first: PAGE_SIZE, after: pager.after } });
  const [done, setDone] = useState<string | null>(null);
  const users = data?.deprovisionedUsers;
  const onDone = (message: string) => {
    setDone(message);
    refetch({ requestPolicy: 'network-only' });
  };
  return (
    <Page title="Deprovisioned users" intro="Users your IdP deleted while Settings keep deleted users as deprovisioned: out of every read, newest first. Restore brings one back with its id and history; purge removes it for good.">
      <p>
        <Link href="/users">Back to users</Link>
      </p>
      <ErrorText>{describeError(error)}</ErrorText>
      <p role="status">{done}</p>
      {users && (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Deprovisioned</th>
                  <th scope="col">Resources went to</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {users.nodes.map((user) => (
                  <DeprovisionedRow key={user.id} user={user} onDone={onDone} />
                ))}
              </tbody>
            </table>
          </div>
          {users.nodes.length === 0 && !fetching && <p>No deprovisioned users.</p>}
          <Pager page={pager.page} hasNext={users.pageInfo.hasNextPage} onNext={() => pager.next(users.pageInfo.endCursor)} onPrevious={pager.previous} />
        </>
      )}
    </Page>
  );
}

export function UserPage({ id }: { id: string }) {
  const [{ data, error }] = useQuery({ query: ConsoleUserDocument, variables: { id } });
  const user = data?.user;
  if (error) return <ErrorText>{describeError(error)}</ErrorText>;
  if (!data) return <p>Loading…</p>;
  if (!user) return <ErrorText>No user with this id in your organisation.</ErrorText>;
  return (
    <Page title={user.displayName ?? user.userName} intro={<>{user.userName} · {user.active ? 'active' : 'inactive'} · external id {user.externalId ?? '—'}</>}>
      <p>
        <Link href="/users">Back to users</Link>
      </p>
      <div className="two-columns">
        <Panel title="Raw SCIM resource (as the IdP sent it)">
          <Json value={user.scimResource} label="Raw SCIM resource" />
        </Panel>
        <Panel title="Mapped values and where they came from">
          <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Value</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {user.mappedValues.map((value, index) => (
                <tr key={`${value.field}-${index}`}>
                  <th scope="row">{value.field}</th>
                  <td>{typeof value.value === 'string' ? value.value : JSON.stringify(value.value)}</td>
                  <td className="provenance">
                    {value.ruleId ? `rule ${value.ruleId}` : 'set by hand'}
                    {value.mappingVersion !== null && `, mapping v${value.mappingVersion}`}
                    {value.sourcePath && (
                      <>
                        , from <code>{value.sourcePath}</code> = <code>{JSON.stringify(value.rawValue)}</code>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        </Panel>
      </div>
      <Panel title="Groups">
        <ul>
          {user.groups.nodes.map((group) => (
            <li key={group.id}>
              <Link href={`/groups/${group.id}`}>{group.displayName}</Link>
            </li>
          ))}
        </ul>
        {user.groups.nodes.length === 0 && <p>Not a member of any group.</p>}
      </Panel>
    </Page>
  );
}

export function GroupsPage() {
  const [search, setSearch] = useState('');
  const [applied, setApplied] = useState('');
  const pager = usePager();
  const [{ data, error }] = useQuery({ query: ConsoleGroupsDocument, variables: { filter: applied ? { search: applied } : null, first: PAGE_SIZE, after: pager.after } });
  const groups = data?.groups;
  return (
    <Page title="Groups" intro="Groups your IdP pushed (and any made by hand), with their members.">
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied(search.trim());
          pager.reset();
        }}
      >
        <TextField label="Search groups" value={search} onChange={setSearch} />
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      <ErrorText>{describeError(error)}</ErrorText>
      {groups && (
        <>
          <p>{groups.totalCount} groups</p>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">Members</th>
                  <th scope="col">Managed by</th>
                </tr>
              </thead>
              <tbody>
                {groups.nodes.map((group) => (
                  <tr key={group.id}>
                    <td>
                      <Link href={`/groups/${group.id}`}>{group.displayName}</Link>
                    </td>
                    <td>{group.memberCount}</td>
                    <td>{group.managedBy === 'IDP' ? 'IdP' : 'Manual'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={pager.page} total={groups.totalCount} hasNext={groups.pageInfo.hasNextPage} onNext={() => pager.next(groups.pageInfo.endCursor)} onPrevious={pager.previous} />
        </>
      )}
    </Page>
  );
}

export function GroupPage({ id }: { id: string }) {
  const pager = usePager();
  const [{ data, error }] = useQuery({ query: ConsoleGroupDocument, variables: { id, first: PAGE_SIZE, after: pager.after } });
  const group = data?.group;
  if (error) return <ErrorText>{describeError(error)}</ErrorText>;
  if (!data) return <p>Loading…</p>;
  if (!group) return <ErrorText>No group with this id in your organisation.</ErrorText>;
  return (
    <Page title={group.displayName} intro={`${group.memberCount} members · managed by ${group.managedBy === 'IDP' ? 'the IdP' : 'hand'} · external id ${group.externalId ?? '—'}`}>
      <p>
        <Link href="/groups">Back to groups</Link>
      </p>
      <GroupMemberships groupId={group.id} />
    </Page>
  );
}
