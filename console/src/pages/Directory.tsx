import { useState, type FormEvent } from 'react';
import { useClient, useQuery } from 'urql';
import { Link } from 'wouter';
import { describeError } from '../api';
import { GroupMemberships } from '../components/GroupMemberships';
import { ConsoleDomainSchemaDocument, ConsoleGroupDocument, ConsoleGroupsDocument, ConsoleUserCountDocument, ConsoleUserDocument, ConsoleUsersDocument, type UserFilter } from '../graphql/generated';
import { ErrorText, Json, Page, Panel, SelectField, Status, TextField } from '../ui';

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
    <Page title="Users" intro="Everyone your IdP provisioned, with the values the mapping made of them. Filters run on the server.">
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
