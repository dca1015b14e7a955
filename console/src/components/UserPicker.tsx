import { useState } from 'react';
import { useQuery } from 'urql';
import { UserPickerDocument } from '../graphql/generated';
import { TextField } from '../ui';

/** Search-as-you-type over active users; picks one by id. */
export function UserPicker({ label, onPick }: { label: string; onPick: (user: { id: string; userName: string }) => void }) {
  const [search, setSearch] = useState('');
  const [{ data }] = useQuery({ query: UserPickerDocument, variables: { search }, pause: search.trim().length < 2 });
  return (
    <div className="picker">
      <TextField label={label} value={search} onChange={setSearch} hint="Type at least two letters of a name or email." />
      {data && search.trim().length >= 2 && (
        <ul aria-label="Matching users" className="picker-results">
          {data.users.nodes.map((user) => (
            <li key={user.id}>
              <button type="button" onClick={() => onPick(user)}>
                Choose {user.displayName ?? user.userName} ({user.userName})
              </button>
            </li>
          ))}
          {data.users.nodes.length === 0 && <li>No active user matches.</li>}
        </ul>
      )}
    </div>
  );
}

