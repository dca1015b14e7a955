import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { describeError } from '../api';
import { ConsoleAddOptionValueDocument, ConsoleMergeOptionValuesDocument, ConsoleRenameOptionValueDocument, ConsoleRetireOptionValueDocument } from '../graphql/generated';
import { ErrorText, SelectField, Status, TextField } from '../ui';

/** Add, rename, merge and retire the values of one option list; users holding a value follow the edit. */
export function OptionValueEditor({ list, label, values, onDone }: { list: string; label: string; values: readonly string[]; onDone: () => void }) {
  const [added, addValue] = useMutation(ConsoleAddOptionValueDocument);
  const [renamed, renameValue] = useMutation(ConsoleRenameOptionValueDocument);
  const [merged, mergeValues] = useMutation(ConsoleMergeOptionValuesDocument);
  const [retired, retireValue] = useMutation(ConsoleRetireOptionValueDocument);
  const [newValue, setNewValue] = useState('');
  const [from, setFrom] = useState(values[0] ?? '');
  const [to, setTo] = useState('');
  const [mergeFrom, setMergeFrom] = useState(values[0] ?? '');
  const [mergeInto, setMergeInto] = useState(values[1] ?? values[0] ?? '');
  const [chosenToRetire, setToRetire] = useState(values[0] ?? '');
  // A value retired a moment ago leaves the list; the choice falls back to the first value still listed.
  const toRetire = values.includes(chosenToRetire) ? chosenToRetire : (values[0] ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const finish = (text: string) => {
    setDone(text);
    onDone();
  };
  const add = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    if (!newValue.trim()) return setProblem('Enter the value to add.');
    const result = await addValue({ input: { list, value: newValue.trim() } });
    if (result.data) {
      setNewValue('');
      finish(`Added ${newValue.trim()}.`);
    }
  };
  const rename = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    if (!to.trim()) return setProblem('Enter the new spelling.');
    const result = await renameValue({ input: { list, value: from, newValue: to.trim() } });
    if (result.data) {
      setTo('');
      finish(`Renamed ${from} to ${to.trim()}; ${result.data.renameOptionValue.remappedUsers} users followed.`);
    }
  };
  const merge = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    if (mergeFrom === mergeInto) return setProblem('Choose two different values.');
    const result = await mergeValues({ input: { list, values: [mergeFrom], into: mergeInto } });
    if (result.data) finish(`Merged ${mergeFrom} into ${mergeInto}; ${result.data.mergeOptionValues.remappedUsers} users followed.`);
  };
  const retire = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    const result = await retireValue({ input: { list, value: toRetire } });
    if (result.data) finish(`Retired ${toRetire}: kept on record, matched no more; ${result.data.retireOptionValue.remappedUsers} users followed.`);
  };
  const options = values.map((value) => [value, value] as const);
  return (
    <div className="option-editor">
      <form onSubmit={add} noValidate className="inline-form" aria-label={`Add a value to ${label}`}>
        <TextField label={`New ${label} value`} value={newValue} onChange={setNewValue} />
        <button type="submit">Add value</button>
      </form>
      {values.length > 0 && (
        <form onSubmit={rename} noValidate className="inline-form" aria-label={`Rename a ${label} value`}>
          <SelectField label={`${label} value to rename`} value={from} onChange={setFrom} options={options} />
          <TextField label="New spelling" value={to} onChange={setTo} />
          <button type="submit">Rename</button>
        </form>
      )}
      {values.length > 1 && (
        <form onSubmit={merge} noValidate className="inline-form" aria-label={`Merge ${label} values`}>
          <SelectField label={`Merge ${label} value`} value={mergeFrom} onChange={setMergeFrom} options={options} />
          <SelectField label="into" value={mergeInto} onChange={setMergeInto} options={options} />
          <button type="submit">Merge</button>
        </form>
      )}
      {values.length > 0 && (
        <form onSubmit={retire} noValidate className="inline-form" aria-label={`Retire a ${label} value`}>
          <SelectField label={`${label} value to retire`} value={toRetire} onChange={setToRetire} options={options} />
          <button type="submit">Retire</button>
        </form>
      )}
      <ErrorText>{problem ?? describeError(added.error ?? renamed.error ?? merged.error ?? retired.error)}</ErrorText>
      {done && <Status tone="ok">{done}</Status>}
    </div>
  );
}
