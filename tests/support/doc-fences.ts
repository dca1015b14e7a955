import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const DOCS_ROOT = path.resolve(__dirname, '..', '..');

/** A fenced block of a Markdown page: its language, its flags (`norun`, `operator`), its text and where it starts. */
export interface DocFence {
  readonly file: string;
  readonly line: number;
  readonly language: string;
  readonly flags: readonly string[];
  readonly code: string;
}

/** The pages a newcomer reads: README.md and every page under docs/. */
export function docPages(): string[] {
  const docs = readdirSync(path.join(DOCS_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => path.join('docs', name));
  return ['README.md', ...docs];
}

export function readDocFences(file: string): DocFence[] {
  const text = readFileSync(path.join(DOCS_ROOT, file), 'utf8');
  const fences: DocFence[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$/.exec(lines[index]);
    if (!open) continue;
    const [, indent, marker, language, rest] = open;
    const body: string[] = [];
    let end = index + 1;
    while (end < lines.length && !(lines[end].trim().startsWith(marker) && lines[end].trim().replace(/[`~]/g, '') === '')) {
      body.push(lines[end].startsWith(indent) ? lines[end].slice(indent.length) : lines[end]);
      end += 1;
    }
    fences.push({ file, line: index + 1, language: language.toLowerCase(), flags: rest.split(/\s+/).filter(Boolean), code: body.join('\n') });
    index = end;
  }
  return fences;
}

/** Fences that show data or pictures rather than code: no language (diagrams), text, json, yaml, http. */
export const DATA_LANGUAGES = new Set(['', 'text', 'json', 'yaml', 'http', 'ndjson']);
/** Fences the harness runs against a live hub. */
export const RUNNABLE_LANGUAGES = new Set(['sh', 'ts', 'graphql']);
