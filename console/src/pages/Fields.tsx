import { useState, type FormEvent } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import { describeError } from '../api';
import {
  ConsoleActivateDomainSchemaDocument,
  ConsoleActivateMappingSetDocument,
  ConsoleDomainSchemaDocument,
  ConsoleDraftDomainSchemaDocument,
  ConsoleDraftMappingSetDocument,
  ConsoleMappingSetsDocument,
  ConsoleReviewOptionValueDocument,
  ConsoleValidateDomainSchemaDocument,
  ConsoleValidateMappingSetDocument,
} from '../graphql/generated';
import { OptionValueEditor } from '../components/OptionValueEditor';
import { CheckField, ErrorText, Page, Panel, SelectField, Status, TextField } from '../ui';

interface FieldDefinition {
  readonly key: string;
  readonly label: string;
  readonly type: string;
  readonly values?: readonly string[];
  readonly [other: string]: unknown;
}

interface SchemaDefinition {
  readonly schema: { readonly customSchemaUrn: string; readonly fields: readonly FieldDefinition[]; readonly [other: string]: unknown };
  readonly optionLists: readonly { readonly key: string; readonly [other: string]: unknown }[];
}

interface MappingDefinition {
  readonly rules: readonly { readonly id: string; readonly [other: string]: unknown }[];
  readonly [other: string]: unknown;
}

const FIELD_KEY = /^[a-z][A-Za-z0-9]{0,62}$/;

function keyFromLabel(label: string): string {
  const words = label.trim().replace(/[^A-Za-z0-9 ]/g, ' ').split(/\s+/).filter(Boolean);
  return words.map((word, index) => (index === 0 ? word.toLowerCase() : word[0]!.toUpperCase() + word.slice(1).toLowerCase())).join('');
}

/** Changes of the domain schema and mapping: each a new version, validated, then activated; one error stops the chain, so nothing is half-saved live. */
function useVersionedChanges() {
  const client = useClient();
  const fail = (message: string): never => {
    throw new Error(message);
  };
  const activateSchema = async (definition: SchemaDefinition, comment: string) => {
    const drafted = await client.mutation(ConsoleDraftDomainSchemaDocument, { input: { definition, comment } }).toPromise();
    const version = drafted.data?.draftDomainSchema.version ?? fail(describeError(drafted.error) ?? 'the schema draft was refused');
    const validated = await client.mutation(ConsoleValidateDomainSchemaDocument, { version }).toPromise();
    const check = validated.data?.validateDomainSchema ?? fail(describeError(validated.error) ?? 'the schema could not be checked');
    if (!check.ok) fail(check.errors.map((error) => `${error.path}: ${error.message}`).join('; '));
    const activated = await client.mutation(ConsoleActivateDomainSchemaDocument, { version }).toPromise();
    if (activated.error) fail(describeError(activated.error)!);
  };
  const activateMapping = async (change: (definition: MappingDefinition) => MappingDefinition, comment: string) => {
    const current = await client.query(ConsoleMappingSetsDocument, {}, { requestPolicy: 'network-only' }).toPromise();
    const active = current.data?.mappingSet ?? fail(describeError(current.error) ?? 'there is no active mapping');
    const drafted = await client.mutation(ConsoleDraftMappingSetDocument, { input: { definition: change(active.definition as MappingDefinition), comment } }).toPromise();
    const version = drafted.data?.draftMappingSet.version ?? fail(describeError(drafted.error) ?? 'the mapping draft was refused');
    const validated = await client.mutation(ConsoleValidateMappingSetDocument, { version }).toPromise();
    const check = validated.data?.validateMappingSet ?? fail(describeError(validated.error) ?? 'the mapping could not be checked');
    if (!check.ok) fail(check.errors.map((error) => `${error.path}: ${error.message}`).join('; '));
    const activated = await client.mutation(ConsoleActivateMappingSetDocument, { version }).toPromise();
    if (activated.error) fail(describeError(activated.error)!);
  };
  return { activateSchema, activateMapping };
}

function AddFieldForm({ definition, onDone }: { definition: SchemaDefinition; onDone: () => void }) {
  const { activateSchema, activateMapping } = useVersionedChanges();
  const [label, setLabel] = useState('');
  const [key, setKey] = useState('');
  const [type, setType] = useState('text');
  const [mapFromScim, setMapFromScim] = useState(true);
  const [errors, setErrors] = useState<{ label?: string; key?: string; form?: string }>({});
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const effectiveKey = key.trim() || keyFromLabel(label);
  const scimPath = `${definition.schema.customSchemaUrn}:${effectiveKey}`;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    const found: typeof errors = {};
    if (!label.trim()) found.label = 'Give the field a name.';
    if (!FIELD_KEY.test(effectiveKey)) found.key = 'The key starts with a lower-case letter and has only letters and digits (e.g. costRegion).';
    else if (definition.schema.fields.some((field) => field.key === effectiveKey)) found.key = `A field with the key ${effectiveKey} exists already.`;
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const field = type === 'option' ? { key: effectiveKey, label: label.trim(), type: 'option', optionList: effectiveKey, scim: { path: scimPath } } : { key: effectiveKey, label: label.trim(), type: 'text', scim: { path: scimPath } };
    const optionLists = type === 'option' ? [...definition.optionLists, { key: effectiveKey, label: label.trim(), onUnknown: 'addValue' }] : definition.optionLists;
    setBusy(true);
    try {
      await activateSchema({ ...definition, schema: { ...definition.schema, fields: [...definition.schema.fields, field] }, optionLists }, `console: add field ${effectiveKey}`);
      if (mapFromScim) await activateMapping((mapping) => ({ ...mapping, rules: [...mapping.rules, { id: effectiveKey, target: effectiveKey, from: scimPath, pipe: ['trim'] }] }), `console: map ${effectiveKey} from SCIM`);
      setDone(`Added ${label.trim()}. Your IdP sends it as ${scimPath}.`);
      setLabel('');
      setKey('');
      onDone();
    } catch (caught) {
      setErrors({ form: (caught as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} noValidate aria-label="Add a field">
      <TextField label="Field name" value={label} onChange={setLabel} error={errors.label} placeholder="Cost region" />
      <TextField label="Key" value={key} onChange={setKey} error={errors.key} placeholder={keyFromLabel(label) || 'costRegion'} hint="How apps and the mapping name it; it never changes." />
      <SelectField label="Type" value={type} onChange={setType} options={[['text', 'Single-line text'], ['option', 'Dropdown (option list)']]} />
      <p className="hint">
        SCIM attribute for your IdP’s mapping: <code>{scimPath}</code>
      </p>
      <CheckField label="Map it from that SCIM attribute" checked={mapFromScim} onChange={setMapFromScim} hint="Adds a rule to the mapping and activates it." />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Saving…' : 'Add field'}
      </button>
      <ErrorText>{errors.form}</ErrorText>
      {done && (
        <p role="status">
          <Status tone="ok">{done}</Status>
        </p>
      )}
    </form>
  );
}

function RolesPanel({ definition, onDone }: { definition: SchemaDefinition; onDone: () => void }) {
  const { activateSchema } = useVersionedChanges();
  const roles = definition.schema.fields.find((field) => field.key === 'appRoles');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!roles) return null;
  const values = roles.values ?? [];
  const save = async (next: readonly string[], comment: string) => {
    setBusy(true);
    setError(null);
    try {
      await activateSchema({ ...definition, schema: { ...definition.schema, fields: definition.schema.fields.map((field) => (field.key === 'appRoles' ? { ...field, values: next } : field)) } }, comment);
      setName('');
      onDone();
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const add = (event: FormEvent) => {
    event.preventDefault();
    const role = name.trim();
    if (!role) return setError('Enter the role name.');
    if (values.some((value) => value.toLowerCase() === role.toLowerCase())) return setError(`${role} is already a role.`);
    void save([...values, role], `console: add role ${role}`);
  };
  return (
    <Panel title="Role vocabulary">
      <p>The role names your apps see. To rename a role, add the new name, point the mapping’s role table at it (Mapping page), then remove the old name.</p>
      <ul className="chips">
        {values.map((value) => (
          <li key={value}>
            {value}{' '}
            <button type="button" aria-label={`Remove role ${value}`} disabled={busy} onClick={() => void save(values.filter((other) => other !== value), `console: remove role ${value}`)}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={add} noValidate className="inline-form">
        <TextField label="New role name" value={name} onChange={setName} placeholder="Creator - Manager" />
        <button type="submit" disabled={busy}>
          Add role
        </button>
      </form>
      <ErrorText>{error}</ErrorText>
    </Panel>
  );
}

export function FieldsPage() {
  const [{ data, error }, refetch] = useQuery({ query: ConsoleDomainSchemaDocument });
  const [review, reviewValue] = useMutation(ConsoleReviewOptionValueDocument);
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const activeVersion = data?.domainSchemaVersions.find((version) => version.state === 'ACTIVE');
  const definition = activeVersion?.definition as SchemaDefinition | undefined;
  return (
    <Page title="Fields and option lists" intro="The fields every user has, the role names, and the values of dropdown fields.">
      <ErrorText>{describeError(error)}</ErrorText>
      {data && (
        <>
          <Panel title="Fields">
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Field</th>
                    <th scope="col">Key</th>
                    <th scope="col">Type</th>
                    <th scope="col">SCIM attribute</th>
                  </tr>
                </thead>
                <tbody>
                  {data.domainSchema.fields.map((field) => (
                    <tr key={field.key}>
                      <td>{field.label}</td>
                      <td>
                        <code>{field.key}</code>
                      </td>
                      <td>{field.type === 'option' ? `dropdown (${field.optionList})` : field.type}</td>
                      <td>{field.scimPath ? <code className="wrap">{field.scimPath}</code> : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Panel>
          {definition && (
            <Panel title="Add a field">
              <AddFieldForm definition={definition} onDone={reload} />
            </Panel>
          )}
          {definition && <RolesPanel definition={definition} onDone={reload} />}
          <Panel title="Option lists">
            <ErrorText>{describeError(review.error)}</ErrorText>
            {data.optionLists.map((list) => (
              <section key={list.key} className="option-list" aria-label={`Option list ${list.label ?? list.key}`}>
                <h3>{list.label ?? list.key}</h3>
                {list.values.length === 0 && <p className="muted">No values yet: they arrive with the IdP’s users.</p>}
                <ul>
                  {list.values.map((value) => (
                    <li key={value.value}>
                      {value.value}{' '}
                      {value.reviewStatus === 'pending' ? (
                        <>
                          <Status tone="warn">Pending review (added by {value.addedBy})</Status>{' '}
                          <button type="button" onClick={() => void reviewValue({ input: { list: list.key, value: value.value, approve: true } }).then(reload)}>
                            Approve {value.value}
                          </button>
                        </>
                      ) : value.reviewStatus === 'retired' ? (
                        <Status tone="warn">Retired</Status>
                      ) : (
                        <Status tone="ok">Approved</Status>
                      )}
                    </li>
                  ))}
                </ul>
                <OptionValueEditor list={list.key} label={list.label ?? list.key} values={list.values.filter((value) => value.reviewStatus !== 'retired').map((value) => value.value)} onDone={reload} />
              </section>
            ))}
          </Panel>
        </>
      )}
    </Page>
  );
}
