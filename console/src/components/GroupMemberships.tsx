import { useState } from 'react';
import { useQuery } from 'urql';
import { Link } from 'wouter';
import { describeError } from '../api';
import { ConsoleGroupMembershipsDocument } from '../graphql/generated';
import { ErrorText, formatTime, Panel } from '../ui';

const SOURCES = { IDP: 'from the IdP', MANUAL: 'added by hand', RULE: 'by a mapping rule' } as const;

/** A group's direct members, users and nested groups (which do not cascade), each with how it came. */
export function GroupMemberships({ groupId }: { groupId: string }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [{ data, error }] = useQuery({ query: ConsoleGroupMembershipsDocument, variables: { id: groupId, first: 25, after: cursors[cursors.length - 1] } });
  const memberships = data?.group?.memberships;
  return (
    <Panel title="Members">
      <ErrorText>{describeError(error)}</ErrorText>
      {memberships && (
        <>
          <p>{memberships.totalCount} direct members (users and nested groups)</p>
          <table>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Kind</th>
                <th scope="col">How</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {memberships.nodes.map((membership) => (
                <tr key={membership.memberId}>
                  <td>
                    {membership.member?.__typename === 'User' && <Link href={`/users/${membership.member.id}`}>{membership.member.displayName ?? membership.member.userName}</Link>}
                    {membership.member?.__typename === 'Group' && <Link href={`/groups/${membership.member.id}`}>{membership.member.groupName}</Link>}
                    {!membership.member && membership.memberId}
                  </td>
                  <td>{membership.memberType === 'GROUP' ? 'nested group' : 'user'}</td>
                  <td>{SOURCES[membership.source]}</td>
                  <td>{formatTime(membership.addedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav className="pager" aria-label="Member pages">
            <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous
            </button>
            <button type="button" disabled={!memberships.pageInfo.hasNextPage} onClick={() => setCursors([...cursors, memberships.pageInfo.endCursor ?? null])}>
              Next
            </button>
          </nav>
        </>
      )}
    </Panel>
  );
}
