import { useEffect, useState, type FormEvent } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import { Link } from 'wouter';
import { describeError } from '../api';
import {
  ConsoleActivateMappingSetDocument,
  ConsoleDomainSchemaDocument,
  ConsoleDraftMappingSetDocument,
  ConsoleMappingJobDocument,
  ConsoleMappingSetsDocument,
  ConsolePreviewMappingDocument,
  ConsoleRollbackMappingSetDocument,
  ConsoleStartImpactDocument,
  ConsoleStartReapplyDocument,
  ConsoleValidateMappingSetDocument,
  type JobFieldsFragment,
  type PreviewMappingInput,
} from '../graphql/generated';
import { ErrorText, formatTime, Json, Page, Panel, SelectField, Status, TextField } from '../ui';

interface MappingIssue {
  readonly path: string;
  readonly line: number | null;
  readonly column: number | null;
  readonly message: string;
}

interface Rule {
  readonly id: string;
  readonly target?: string;
  readonly pipe?: readonly unknown[];
  readonly [other: string]: unknown;
}
interface MappingDefinition {
  readonly rules: readonly Rule[];
  readonly [other: string]: unknown;
}
type RoleStep = { readonly map: Record<string, string>; readonly default?: string };

function isRoleStep(step: unknown): step is RoleStep {
  return typeof step === 'object' && step !== null && 'map' in step;
}

/** The role table of the mapping: the first appRoles rule whose pipe maps values. */
function roleTableOf(definition: MappingDefinition): { rule: Rule; step: RoleStep } | null {
  for (const rule of definition.rules) {
    if (rule.target !== 'appRoles') continue;
    const step = rule.pipe?.find(isRoleStep);
    if (step) return { rule, step };
  }
  return null;
}

function withRoleTable(definition: MappingDefinition, table: Record<string, string>): MappingDefinition {
  return {
    ...definition,
    rules: definition.rules.map((rule) => (rule.target === 'appRoles' && rule.pipe?.some(isRoleStep) ? { ...rule, pipe: rule.pipe.map((step) => (isRoleStep(step) ? { ...step, map: table } : step)) } : rule)),
  };
}

interface GroupEntry {
  readonly name?: string;
  readonly value?: unknown;
  readonly priority?: number;
  readonly [matcher: string]: unknown;
}
interface GroupRoleRow {
  readonly name: string;
  readonly role: string;
  readonly priority?: number;
}
/** Id of the rule the form adds when the mapping has no group → role rule yet. */
const GROUP_ROLE_RULE_ID = 'role-from-groups';

/** The group → role rule of the mapping: the first appRoles rule reading group memberships. */
function groupRoleRuleOf(definition: MappingDefinition): Rule | null {
  return definition.rules.find((rule) => rule.target === 'appRoles' && Array.isArray(rule.fromGroups)) ?? null;
}

/** The entries the form edits (matched by group name); entries by id, externalId or pattern are kept as they are. */
function groupRoleRowsOf(rule: Rule | null): { rows: GroupRoleRow[]; others: GroupEntry[] } {
  const entries = (rule?.fromGroups ?? []) as readonly GroupEntry[];
  const byName = entries.filter((entry) => typeof entry.name === 'string');
  return {
    rows: byName.map((entry) => ({ name: entry.name!, role: String(entry.value ?? ''), ...(entry.priority === undefined ? {} : { priority: entry.priority }) })),
    others: entries.filter((entry) => typeof entry.name !== 'string'),
  };
}

/**
 * The definition with the group → role rule's named entries replaced by rows (named entries first, so row i is
 * entry i); a new rule merges its roles with the role table's, and a rule left with no entry is dropped.
 */
function withGroupRoles(definition: MappingDefinition, rows: readonly GroupRoleRow[]): MappingDefinition {
  const rule = groupRoleRuleOf(definition);
  const others = groupRoleRowsOf(rule).others;
  const entries = [...rows.map((row) => ({ name: row.name.trim(), value: row.role, ...(row.priority === undefined ? {} : { priority: row.priority }) })), ...others];
  if (!rule) return entries.length === 0 ? definition : { ...definition, rules: [...definition.rules, { id: GROUP_ROLE_RULE_ID, target: 'appRoles', mode: 'merge', fromGroups: entries }] };
  return { ...definition, rules: entries.length === 0 ? definition.rules.filter((existing) => existing !== rule) : definition.rules.map((existing) => (existing === rule ? { ...rule, fromGroups: entries } : existing)) };
}

/** Row errors: a name is needed, and a group is listed once (names match ignoring case). */
function groupRowErrors(rows: readonly GroupRoleRow[]): (string | null)[] {
  const folded = rows.map((row) => row.name.trim().toLowerCase());
  return rows.map((row, index) => {
    if (!row.name.trim()) return 'Enter the name of the group as the IdP sends it.';
    if (!row.role) return 'Choose the role this group gives.';
    return folded.indexOf(folded[index]!) < index ? 'This group is listed already.' : null;
  });
}

/** Server problems of fromGroups entry i of the rule at ruleIndex, e.g. path "rules[12].fromGroups[0].value". */
function entryIssues(issues: readonly MappingIssue[], ruleIndex: number | null): Map<number, string> {
  const found = new Map<number, string>();
  for (const issue of issues) {
    const match = /^rules\[(\d+)\]\.fromGroups\[(\d+)\]/.exec(issue.path);
    if (match && Number(match[1]) === ruleIndex) found.set(Number(match[2]), issue.message);
  }
  return found;
}

/** Group → role rule as a table: IdP group name → role, rows added and removed, saved as a draft. */
function GroupRolesForm({
  definition,
  roles,
  issues,
  busy,
  onSave,
}: {
  definition: MappingDefinition;
  roles: readonly string[];
  issues: readonly MappingIssue[];
  busy: boolean;
  onSave: (definition: MappingDefinition) => void;
}) {
  const rule = groupRoleRuleOf(definition);
  const { rows: initialRows, others } = groupRoleRowsOf(rule);
  const [rows, setRows] = useState<GroupRoleRow[]>(initialRows);
  const [shownErrors, setShownErrors] = useState<(string | null)[]>([]);
  const [savedRuleIndex, setSavedRuleIndex] = useState<number | null>(null);
  const [formProblem, setFormProblem] = useState<string | null>(null);
  const serverErrors = entryIssues(issues, savedRuleIndex);
  const change = (index: number, row: GroupRoleRow) => setRows(rows.map((existing, at) => (at === index ? row : existing)));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const errors = groupRowErrors(rows);
    setShownErrors(errors);
    setFormProblem(rows.length === 0 && !rule ? 'Add a group first: there is no group rule to change.' : null);
    if (rows.length === 0 && !rule) return;
    if (errors.some((error) => error !== null)) return;
    const saved = withGroupRoles(definition, rows);
    const savedRule = groupRoleRuleOf(saved);
    setSavedRuleIndex(savedRule ? saved.rules.indexOf(savedRule) : null);
    onSave(saved);
  };
  return (
    <form onSubmit={submit} noValidate aria-label="Roles from IdP groups">
      <p>
        Which role a member of each IdP group gets{rule ? ` (rule “${rule.id}”)` : '; saving adds a rule whose roles join the role table’s'}. Group names match ignoring case.
        {others.length > 0 && ` ${others.length} more entries (by group id, externalId or name pattern) are kept as they are; edit them in the YAML.`}
      </p>
      {rows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">IdP group</th>
              <th scope="col">Role</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => (
              <tr key={index}>
                <td>
                  <TextField label={`Group name, row ${index + 1}`} value={row.name} onChange={(name) => change(index, { ...row, name })} error={shownErrors[index] ?? serverErrors.get(index) ?? null} placeholder="App-Admins" />
                </td>
                <td>
                  <SelectField
                    label={`Role for group, row ${index + 1}`}
                    value={row.role}
                    onChange={(role) => change(index, { ...row, role })}
                    options={[...new Set([row.role, ...roles])].filter(Boolean).map((name) => [name, name] as const)}
                  />
                </td>
                <td>
                  <button
                    type="button"
                    aria-label={`Remove group row ${index + 1}${row.name ? ` (${row.name})` : ''}`}
                    onClick={() => {
                      setRows(rows.filter((_, at) => at !== index));
                      setShownErrors(shownErrors.filter((_, at) => at !== index));
                    }}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" onClick={() => setRows([...rows, { name: '', role: roles[0] ?? '' }])}>
        Add a group
      </button>{' '}
      <button type="submit" className="primary" disabled={busy}>
        Save group roles as draft
      </button>
      <ErrorText>{formProblem}</ErrorText>
    </form>
  );
}

/** One rule in words: target <- source (or expression), then its steps. */
function describeRule(rule: Rule): string {
  const from = rule.from === undefined ? (typeof rule.expr === 'string' ? rule.expr : rule.fromGroups !== undefined ? 'group memberships' : 'a constant') : ([] as unknown[]).concat(rule.from).join(', else ');
  const steps = (rule.pipe ?? []).map((step) => (typeof step === 'string' ? step : isRoleStep(step) ? `table of ${Object.keys(step.map).length} values` : 'expression'));
  return `${String(rule.target ?? rule.id)} ← ${String(from)}${steps.length > 0 ? ` (${steps.join(', ')})` : ''}`;
}

function RulesOverview({ definition }: { definition: MappingDefinition }) {
  return (
    <Panel title="Active rules">
      <ol className="rules">
        {definition.rules.map((rule) => (
          <li key={rule.id}>
            <code>{rule.id}</code>: {describeRule(rule)}
          </li>
        ))}
      </ol>
    </Panel>
  );
}

/** The common case as a form: a field takes the value of one SCIM attribute (trimmed), replacing the field's rule. */
function CopyRuleForm({ definition, fields, onSave }: { definition: MappingDefinition; fields: readonly string[]; onSave: (definition: MappingDefinition) => void }) {
  const [target, setTarget] = useState(fields[0] ?? '');
  const [source, setSource] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!source.trim()) return setError('Enter the SCIM attribute path, e.g. title or urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department.');
    setError(null);
    const rule: Rule = { id: target, target, from: source.trim(), pipe: ['trim'] };
    const kept = definition.rules.filter((existing) => existing.target !== target);
    onSave({ ...definition, rules: [...kept, rule] });
  };
  return (
    <form onSubmit={submit} noValidate className="inline-form" aria-label="Map a field from a SCIM attribute">
      <SelectField label="Field" value={target} onChange={setTarget} options={fields.map((field) => [field, field] as const)} />
      <TextField label="From SCIM attribute" value={source} onChange={setSource} error={error} placeholder="title" />
      <button type="submit">Save as draft</button>
    </form>
  );
}

function IssueList({ issues }: { issues: readonly MappingIssue[] }) {
  if (issues.length === 0) return null;
  return (
    <div role="alert">
    <ul className="issues" aria-label="Problems in the draft">
      {issues.map((issue, index) => (
        <li key={index}>
          <Status tone="fail">
            {issue.line ? `Line ${issue.line}, column ${issue.column}: ` : ''}
            {issue.path ? `${issue.path}: ` : ''}
            {issue.message}
          </Status>
        </li>
      ))}
    </ul>
    </div>
  );
}

/** Polls a mapping job until it settles; shows a progress bar with an estimate of the time left. */
function useJob(initial: JobFieldsFragment | null) {
  const [job, setJob] = useState(initial);
  const client = useClient();
  useEffect(() => setJob(initial), [initial]);
  useEffect(() => {
    if (!job || job.state === 'SUCCEEDED' || job.state === 'FAILED' || job.state === 'SUPERSEDED') return;
    const timer = setTimeout(async () => {
      const result = await client.query(ConsoleMappingJobDocument, { id: job.id }, { requestPolicy: 'network-only' }).toPromise();
      if (result.data?.mappingJob) setJob(result.data.mappingJob);
    }, 700);
    return () => clearTimeout(timer);
  }, [job, client]);
  return job;
}

function JobProgress({ job, label }: { job: JobFieldsFragment; label: string }) {
  const total = Math.max(job.total, job.processed, 1);
  const elapsed = job.startedAt ? (Date.now() - Date.parse(job.startedAt)) / 1000 : 0;
  const rate = elapsed > 0 ? job.processed / elapsed : 0;
  const eta = rate > 0 && job.state === 'RUNNING' ? Math.ceil((total - job.processed) / rate) : null;
  const stateText = { QUEUED: 'Queued', RUNNING: 'Running', SUCCEEDED: 'Finished', FAILED: 'Failed', SUPERSEDED: 'Superseded' }[job.state];
  return (
    <div className="job" aria-live="polite">
      <label>
        {label}: {stateText}, {job.processed} of {job.total} users{job.failed > 0 ? `, ${job.failed} failed` : ''}
        {eta !== null ? `, about ${eta} s left` : ''}
        <progress max={total} value={job.processed} />
      </label>
      {job.error && <ErrorText>{job.error}</ErrorText>}
    </div>
  );
}

function ImpactReport({ job }: { job: JobFieldsFragment }) {
  const impact = job.impact;
  if (!impact) return null;
  return (
    <div className="impact">
      <p>
        {impact.usersEvaluated} users evaluated: <strong>{impact.usersEvaluated - impact.unchanged - impact.failingValidation} would change</strong>, {impact.unchanged} unchanged,{' '}
        {impact.failingValidation} would fail validation.
      </p>
      {impact.changes.length > 0 && (
        <table>
          <caption>What changes</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Change</th>
              <th scope="col">Users</th>
              <th scope="col">Examples</th>
            </tr>
          </thead>
          <tbody>
            {impact.changes.map((change) => (
              <tr key={`${change.field}:${change.transition}`}>
                <td>{change.field}</td>
                <td>{change.transition}</td>
                <td>{change.count}</td>
                <td>
                  {change.sampleUserIds.slice(0, 5).map((id, index) => (
                    <span key={id}>
                      {index > 0 && ', '}
                      <Link href={`/users/${id}`}>user {index + 1}</Link>
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {impact.failureMessages.map((failure) => (
        <p key={failure.key}>
          <Status tone="fail">
            {failure.count} users: {failure.key}
          </Status>
        </p>
      ))}
    </div>
  );
}

const SAMPLE_PAYLOAD = JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ada@example.com', userType: 'manager', name: { givenName: 'Ada', familyName: 'Lovelace' } }, null, 2);

function DryRun({ version }: { version: number }) {
  const [source, setSource] = useState('payload');
  const [payload, setPayload] = useState(SAMPLE_PAYLOAD);
  const [payloadError, setPayloadError] = useState<string | null>(null);
  const [input, setInput] = useState<PreviewMappingInput | null>(null);
  const [{ data, error, fetching }] = useQuery({ query: ConsolePreviewMappingDocument, variables: { input: input! }, pause: input === null, requestPolicy: 'network-only' });
  const run = (event: FormEvent) => {
    event.preventDefault();
    setPayloadError(null);
    if (source === 'samples') return setInput({ version, dialectSamples: true });
    if (source === 'recent') return setInput({ version, recentRequests: 20 });
    try {
      const body: unknown = JSON.parse(payload);
      setInput({ version, payloads: [{ label: 'pasted', requests: [{ method: 'POST', body }] }] });
    } catch (caught) {
      setPayloadError(`The payload is not JSON: ${(caught as Error).message}`);
    }
  };
  return (
    <form onSubmit={run} noValidate aria-label="Dry run">
      <SelectField label="Run on" value={source} onChange={setSource} options={[['payload', 'A pasted SCIM payload'], ['samples', 'Built-in samples of your IdP'], ['recent', 'The connection’s recent requests']]} />
      {source === 'payload' && (
        <div className="field">
          <label htmlFor="dry-run-payload">SCIM payload (a User POST body)</label>
          <textarea id="dry-run-payload" rows={8} value={payload} onChange={(event) => setPayload(event.target.value)} aria-invalid={payloadError ? true : undefined} />
          <ErrorText>{payloadError}</ErrorText>
        </div>
      )}
      <button type="submit">Dry run version {version}</button>
      <ErrorText>{describeError(error)}</ErrorText>
      {fetching && <p>Running…</p>}
      {data && (
        <div className="dry-run" aria-label="Dry run result">
          {data.previewMapping.notes.map((note) => (
            <p key={note}>{note}</p>
          ))}
          {data.previewMapping.results.map((result, index) => {
            const last = result.steps[result.steps.length - 1];
            return (
              <section key={index}>
                <h3>{result.label ?? `Payload ${index + 1}`}</h3>
                {result.error && <ErrorText>{result.error}</ErrorText>}
                {last && <Json value={last.values} label={`Mapped values of ${result.label ?? `payload ${index + 1}`}`} />}
                {last?.errors.map((problem) => (
                  <p key={`${problem.field}:${problem.message}`}>
                    <Status tone="fail">
                      {problem.field}: {problem.message}
                    </Status>
                  </p>
                ))}
              </section>
            );
          })}
        </div>
      )}
    </form>
  );
}

export function MappingPage() {
  const [{ data, error }, refetch] = useQuery({ query: ConsoleMappingSetsDocument });
  const [{ data: schemaData }] = useQuery({ query: ConsoleDomainSchemaDocument });
  const [drafting, draft] = useMutation(ConsoleDraftMappingSetDocument);
  const [, validate] = useMutation(ConsoleValidateMappingSetDocument);
  const [activation, activate] = useMutation(ConsoleActivateMappingSetDocument);
  const [rollback, rollBack] = useMutation(ConsoleRollbackMappingSetDocument);
  const [impactStart, startImpact] = useMutation(ConsoleStartImpactDocument);
  const [reapplyStart, startReapply] = useMutation(ConsoleStartReapplyDocument);
  const [yaml, setYaml] = useState<string | null>(null);
  const [table, setTable] = useState<Record<string, string> | null>(null);
  const [draftVersion, setDraftVersion] = useState<number | null>(null);
  const [issues, setIssues] = useState<readonly MappingIssue[]>([]);
  const [formError, setFormError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [impactJob, setImpactJob] = useState<JobFieldsFragment | null>(null);
  const [reapplyJob, setReapplyJob] = useState<JobFieldsFragment | null>(null);
  const impact = useJob(impactJob);
  const reapply = useJob(reapplyJob);
  const reload = () => refetch({ requestPolicy: 'network-only' });

  const active = data?.mappingSet;
  const activeDefinition = active?.definition as MappingDefinition | undefined;
  const roleTable = activeDefinition ? roleTableOf(activeDefinition) : null;
  useEffect(() => {
    if (active && yaml === null) setYaml(active.yaml);
    if (roleTable && table === null) setTable({ ...roleTable.step.map });
  }, [active, roleTable, yaml, table]);
  const roles = ((schemaData?.domainSchemaVersions.find((version) => version.state === 'ACTIVE')?.definition as { schema?: { fields?: { key: string; values?: string[] }[] } } | undefined)?.schema?.fields ?? []).find(
    (field) => field.key === 'appRoles',
  )?.values ?? [];

  const saveDraft = async (input: { yaml?: string; definition?: MappingDefinition }, comment: string) => {
    setFormError(null);
    setIssues([]);
    setMessage(null);
    setImpactJob(null);
    const drafted = await draft({ input: { ...input, comment } });
    if (!drafted.data) return setFormError(describeError(drafted.error));
    const version = drafted.data.draftMappingSet.version;
    const checked = await validate({ version });
    const result = checked.data?.validateMappingSet;
    if (!result) return setFormError(describeError(checked.error));
    setDraftVersion(version);
    setIssues(result.errors);
    setMessage(result.ok ? `Saved as draft version ${version}; it is valid. Dry run it, look at the impact, then activate.` : `Saved as draft version ${version}, with problems to fix before it can be activated.`);
    reload();
  };
  const doActivate = async () => {
    if (draftVersion === null) return;
    const result = await activate({ version: draftVersion });
    if (result.data) {
      setReapplyJob(null);
      setMessage(`Version ${draftVersion} is active. Stored users follow on their next change, or re-apply it to everyone now.`);
      reload();
    }
  };
  const doRollback = async (version: number) => {
    const result = await rollBack({ version });
    if (result.data) {
      setReapplyJob(null);
      setMessage(`Rolled back: version ${version} is active again. Re-apply it to update stored users now.`);
      setYaml(null);
      setTable(null);
      reload();
    }
  };
  const latestDraft = data?.mappingSets.find((version) => version.version === draftVersion);
  return (
    <Page title="Mapping" intro="How what your IdP sends becomes your users’ fields and roles. Changes are drafts until you activate them; every version can be rolled back.">
      <ErrorText>{describeError(error)}</ErrorText>
      {active && (
        <p>
          Active: <strong>version {active.version}</strong>
        </p>
      )}
      {activeDefinition && <RulesOverview definition={activeDefinition} />}
      {roleTable && table && (
        <Panel title="Role table">
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void saveDraft({ definition: withRoleTable(activeDefinition!, table) }, 'console: role table');
            }}
          >
            <p>Which role each value of the IdP’s attribute gives (rule “{roleTable.rule.id}”). Anything else: {roleTable.step.default ?? 'no role'}.</p>
            <table>
              <thead>
                <tr>
                  <th scope="col">IdP value</th>
                  <th scope="col">Role</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(table).map(([source, role]) => (
                  <tr key={source}>
                    <td>
                      <code>{source}</code>
                    </td>
                    <td>
                      <SelectField label={`Role for ${source}`} value={role} onChange={(value) => setTable({ ...table, [source]: value })} options={[...new Set([role, ...roles])].map((name) => [name, name] as const)} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <button type="submit" className="primary" disabled={drafting.fetching}>
              Save role table as draft
            </button>
          </form>
        </Panel>
      )}
      {activeDefinition && (
        <Panel title="Roles from IdP groups">
          <GroupRolesForm key={active!.version} definition={activeDefinition} roles={roles} issues={issues} busy={drafting.fetching} onSave={(definition) => void saveDraft({ definition }, 'console: group roles')} />
        </Panel>
      )}
      {activeDefinition && (
        <Panel title="Map a field from a SCIM attribute">
          <CopyRuleForm
            definition={activeDefinition}
            fields={(schemaData?.domainSchema.fields ?? []).filter((field) => field.key !== 'appRoles').map((field) => field.key)}
            onSave={(definition) => void saveDraft({ definition }, 'console: field rule')}
          />
        </Panel>
      )}
      <Panel title="Rules (YAML)">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void saveDraft({ yaml: yaml ?? '' }, 'console: YAML');
          }}
        >
          <div className="field">
            <label htmlFor="mapping-yaml">Mapping rules</label>
            <textarea id="mapping-yaml" className="code" rows={18} spellCheck={false} value={yaml ?? ''} onChange={(event) => setYaml(event.target.value)} aria-describedby="mapping-yaml-help" />
            <p className="hint" id="mapping-yaml-help">
              The same file <code>npm run cli -- mapping export</code> prints. Problems are listed with their line and column.
            </p>
          </div>
          <button type="submit" className="primary" disabled={drafting.fetching}>
            Save YAML as draft
          </button>
        </form>
      </Panel>
      <ErrorText>{formError}</ErrorText>
      <IssueList issues={issues} />
      {message && (
        <p role="status" className="message">
          {message}
        </p>
      )}
      {draftVersion !== null && latestDraft && issues.length === 0 && (
        <Panel title={`Draft version ${draftVersion}`}>
          <h3>Dry run</h3>
          <DryRun version={draftVersion} />
          <h3>Impact on stored users</h3>
          <button
            type="button"
            onClick={async () => {
              const started = await startImpact({ version: draftVersion });
              if (started.data) setImpactJob(started.data.startImpactAnalysis);
            }}
          >
            Compute impact
          </button>
          <ErrorText>{describeError(impactStart.error)}</ErrorText>
          {impact && <JobProgress job={impact} label="Impact" />}
          {impact?.state === 'SUCCEEDED' && <ImpactReport job={impact} />}
          <h3>Activate</h3>
          <button type="button" className="primary" onClick={doActivate} disabled={latestDraft.state === 'ACTIVE'}>
            Activate version {draftVersion}
          </button>
          <ErrorText>{describeError(activation.error)}</ErrorText>
        </Panel>
      )}
      <Panel title="Re-apply">
        <p>Recompute every stored user with the active version, without waiting for the IdP to send them again.</p>
        <button
          type="button"
          onClick={async () => {
            setReapplyJob(null);
            const started = await startReapply({});
            if (started.data) setReapplyJob(started.data.startReapply);
          }}
        >
          Re-apply the active version
        </button>
        <ErrorText>{describeError(reapplyStart.error)}</ErrorText>
        {reapply && <JobProgress job={reapply} label="Re-apply" />}
        {reapply?.state === 'SUCCEEDED' && <Status tone="ok">Re-applied: {reapply.reapply?.written ?? 0} users written.</Status>}
      </Panel>
      <Panel title="Version history">
        <ErrorText>{describeError(rollback.error)}</ErrorText>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">State</th>
                <th scope="col">Who</th>
                <th scope="col">When</th>
                <th scope="col">Note</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {[...(data?.mappingSets ?? [])].reverse().map((version) => (
                <tr key={version.version}>
                  <td>{version.version}</td>
                  <td>{version.state === 'ACTIVE' ? <Status tone="ok">Active</Status> : version.state.toLowerCase()}</td>
                  <td>{version.author}</td>
                  <td>{formatTime(version.activatedAt ?? version.createdAt)}</td>
                  <td>{version.comment ?? ''}</td>
                  <td>
                    {version.state === 'SUPERSEDED' && (
                      <button type="button" onClick={() => void doRollback(version.version)}>
                        Roll back to version {version.version}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Panel>
    </Page>
  );
}
