/** Console tables, bench/results/latest.json and bench/results/latest.md. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchmarkResult, CaseSummary } from './harness';
import { show } from './stats';

export interface RunReport {
  startedAt: string;
  finishedAt: string;
  mode: 'full' | 'smoke';
  command: string;
  machine: { cpus: number; cpuModel: string; memoryGB: number; node: string; platform: string };
  commit: string | null;
  settings: Record<string, unknown>;
  benchmarks: BenchmarkResult[];
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => pad(cell, widths[column])).join('  ').trimEnd()).join('\n');
}

function caseRow(summary: CaseSummary): string[] {
  return [
    summary.label,
    summary.role === 'reference' ? 'ref' : summary.role === 'diagnostic' ? 'diag' : 'subject',
    `${show(summary.rps.min, 0)} / ${show(summary.rps.median, 0)}`,
    `${show(summary.p50.min)} / ${show(summary.p50.median)}`,
    `${show(summary.p99.min)} / ${show(summary.p99.median)}`,
    String(summary.non2xx + summary.errors),
    show(summary.rssPeakMB, 0),
    show(summary.serverCpuPct, 0),
    show(summary.cpuUsPerRequest.median, 0),
    summary.statementsPerRequest === null ? '-' : show(summary.statementsPerRequest, 1),
  ];
}

const CASE_HEADER = ['case', 'role', 'rps min / med', 'p50 ms min / med', 'p99 ms min / med', 'non-2xx+err', 'RSS MB', 'server CPU %', 'CPU µs/req', 'SQL/req'];

export function formatBenchmark(result: BenchmarkResult): string {
  const load = result.loadAverage ? `, load avg ${result.loadAverage.before} -> ${result.loadAverage.after}` : '';
  const lines = [`== ${result.title} (${show(result.seconds, 0)} s${load}) ==`];
  if (result.error) lines.push(`ERROR: ${result.error}`);
  if (result.cases.length > 0) lines.push(table([CASE_HEADER, ...result.cases.map(caseRow)]));
  if (result.ratios.length > 0) {
    lines.push('ratios subject / reference: median rps (CPU per request, inverted):');
    for (const ratio of result.ratios) lines.push(`  ${ratio.subject} / ${ratio.reference}: ${show(ratio.rps * 100, 0)}% (${show(ratio.cpu * 100, 0)}%)`);
  }
  for (const item of result.checks) lines.push(`  [${item.pass ? 'PASS' : 'FAIL'}] ${item.id} ${item.description}: ${item.measured} (target ${item.target})`);
  for (const seeding of result.seeding) lines.push(`  seeding: ${seeding.what}: ${seeding.rows} rows in ${show(seeding.seconds, 1)} s`);
  for (const note of result.notes) lines.push(`  note: ${note}`);
  return lines.join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function markdown(report: RunReport): string {
  const lines: string[] = [
    `# Benchmarks: latest run (${report.mode})`,
    '',
    `Last run ${report.startedAt} → ${report.finishedAt}; \`${report.command}\`; commit ${report.commit ?? 'unknown'} ` +
      '(each benchmark section says when and at which commit it was measured; ratios are always within one run); ' +
      `${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGB} GB, Node ${report.machine.node}. ` +
      'Load: autocannon from the harness process, 10 connections unless stated; servers in child processes; ' +
      `${report.benchmarks[0]?.cases[0]?.runs.length ?? 3} alternated runs per case; figures are min / median over runs.`,
    '',
    '## Targets',
    '',
    '| id | what | measured | target | result |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const benchmark of report.benchmarks) {
    if (benchmark.error) lines.push(`| ${benchmark.name.toUpperCase()} | ${escapeCell(benchmark.title)} | error: ${escapeCell(benchmark.error.split('\n')[0])} | | ERROR |`);
    for (const item of benchmark.checks) {
      lines.push(`| ${item.id} | ${escapeCell(item.description)} | ${escapeCell(item.measured)} | ${escapeCell(item.target)} | ${item.pass ? 'PASS' : '**FAIL**'} |`);
    }
  }
  lines.push('');
  for (const benchmark of report.benchmarks) {
    const load = benchmark.loadAverage ? ` Load average ${benchmark.loadAverage.before} → ${benchmark.loadAverage.after}.` : '';
    const measured = benchmark.measured ? ` Measured ${benchmark.measured.startedAt}, commit ${benchmark.measured.commit ?? 'unknown'}.` : '';
    lines.push(`## ${benchmark.title}`, '', `${show(benchmark.seconds, 0)} s.${load}${measured}`, '');
    if (benchmark.cases.length > 0) {
      lines.push(`| ${CASE_HEADER.join(' | ')} |`, `| ${CASE_HEADER.map(() => '---').join(' | ')} |`);
      for (const summary of benchmark.cases) lines.push(`| ${caseRow(summary).map(escapeCell).join(' | ')} |`);
      lines.push('');
    }
    if (benchmark.ratios.length > 0) {
      lines.push(`Ratios, median rps (and by CPU per request): ${benchmark.ratios.map((ratio) => `${ratio.subject} / ${ratio.reference} ${show(ratio.rps * 100, 0)}% (${show(ratio.cpu * 100, 0)}%)`).join('; ')}.`, '');
    }
    const ops = (benchmark.extra?.ops ?? []) as { name: string; repository: { opsPerSecond: { median: number }; p50: { median: number } }; raw: { opsPerSecond: { median: number }; p50: { median: number } }; ratio: number }[];
    if (ops.length > 0) {
      lines.push('| op | repository ops/s | raw ops/s | ratio | repository p50 µs | raw p50 µs |', '| --- | --- | --- | --- | --- | --- |');
      for (const op of ops) {
        lines.push(`| ${op.name} | ${show(op.repository.opsPerSecond.median, 0)} | ${show(op.raw.opsPerSecond.median, 0)} | ${show(op.ratio * 100, 0)}% | ${show(op.repository.p50.median * 1000, 0)} | ${show(op.raw.p50.median * 1000, 0)} |`);
      }
      lines.push('');
    }
    for (const seeding of benchmark.seeding) lines.push(`- seeding: ${seeding.what}: ${seeding.rows} rows in ${show(seeding.seconds, 1)} s`);
    for (const note of benchmark.notes) lines.push(`- ${note.length > 600 ? `${note.slice(0, 600)}…` : note}`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/**
 * Writes latest.json and latest.md. A run of some benchmarks (`npm run bench -- s8`) replaces those and
 * keeps the others' latest results, each with its own time and commit; `order` is the harness's order.
 */
export function writeResults(directory: string, report: RunReport, order: readonly string[]): void {
  mkdirSync(directory, { recursive: true });
  const previousFile = path.join(directory, 'latest.json');
  if (existsSync(previousFile)) {
    const previous = JSON.parse(readFileSync(previousFile, 'utf8')) as RunReport;
    const rerun = new Set(report.benchmarks.map((benchmark) => benchmark.name));
    const kept = previous.benchmarks
      .filter((benchmark) => !rerun.has(benchmark.name) && order.includes(benchmark.name))
      .map((benchmark) => ({ ...benchmark, measured: benchmark.measured ?? { startedAt: previous.startedAt, commit: previous.commit } }));
    report.benchmarks = [...kept, ...report.benchmarks].sort((left, right) => order.indexOf(left.name) - order.indexOf(right.name));
  }
  writeFileSync(path.join(directory, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(directory, 'latest.md'), markdown(report));
}
