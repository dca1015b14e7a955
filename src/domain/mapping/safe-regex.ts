/**
 * Regular expressions for admin-written mappings, matched in linear time.
 *
 * JavaScript's RegExp backtracks: `(a+)+$` over 30 characters takes seconds, and a pattern length cap
 * does not prevent that. This module compiles the JavaScript syntax subset that mappings need to a
 * Thompson NFA and runs it as a Pike VM (the RE2 approach): every input position visits each
 * instruction at most once, so one match costs at most `program size x (input length + 1)` steps,
 * and the caller's meter is charged for every step it takes.
 *
 * Supported: literals, `.`, classes `[a-z]` `[^...]`, `\d \w \s \D \W \S \b \B`, `^ $` (whole input),
 * groups `( )` `(?: )` `(?<name> )`, `|`, quantifiers `* + ? {n} {n,} {n,m}` and their lazy forms, the
 * `i` flag. Refused with a message: backreferences, lookaround, Unicode property escapes, other flags.
 * Submatches follow JavaScript's leftmost, priority-ordered semantics.
 */

/** Longest pattern accepted, in characters. */
export const MAX_REGEX_PATTERN_LENGTH = 256;
/** Most VM instructions a pattern may compile to (counted repetitions are expanded). */
export const MAX_REGEX_PROGRAM_SIZE = 2_000;
/** Largest `n` in `{n}`, `{n,}` and `{n,m}`. */
export const MAX_REGEX_REPETITION = 1_000;

export interface StepMeter {
  /** Records `steps` units of work; throws when the caller's budget is spent. */
  charge(steps: number): void;
}

type CharTest = (codePoint: number) => boolean;

type Assertion = 'start' | 'end' | 'wordBoundary' | 'notWordBoundary';

type Instruction =
  | { readonly op: 'char'; readonly test: CharTest }
  | { readonly op: 'split'; readonly preferred: number; readonly other: number }
  | { readonly op: 'jump'; readonly to: number }
  | { readonly op: 'save'; readonly slot: number }
  /** Unsets the capture slots [from, to): JavaScript forgets a group's captures at each new iteration. */
  | { readonly op: 'clear'; readonly from: number; readonly to: number }
  /** Fails when the input position still equals the one saved in `slot`: an optional iteration must consume input. */
  | { readonly op: 'progress'; readonly slot: number }
  | { readonly op: 'assert'; readonly assertion: Assertion }
  | { readonly op: 'match' };

type RegexNode =
  | { readonly kind: 'empty' }
  | { readonly kind: 'char'; readonly test: CharTest }
  | { readonly kind: 'sequence'; readonly items: readonly RegexNode[] }
  | { readonly kind: 'alternation'; readonly options: readonly RegexNode[] }
  | { readonly kind: 'group'; readonly index: number | null; readonly body: RegexNode }
  | { readonly kind: 'repeat'; readonly body: RegexNode; readonly min: number; readonly max: number; readonly lazy: boolean }
  | { readonly kind: 'assert'; readonly assertion: Assertion };

export interface SafeRegex {
  readonly source: string;
  readonly ignoreCase: boolean;
  /** Capturing groups, not counting the whole match. */
  readonly groupCount: number;
  /** Slots per thread: two per group (with the whole match) and one per empty-iteration check. */
  readonly slotCount: number;
  readonly groupNames: ReadonlyMap<string, number>;
  /** Starts with `^`: only position 0 can start a match, so the VM seeds no threads after it. */
  readonly anchoredAtStart: boolean;
  /**
   * For a pattern anchored at `^`: the tests of the characters every match starts with (`^App-` has
   * five). Input that fails them is rejected without running the VM, so matching thousands of group
   * names against `^App-Mgr-` costs about one step each.
   */
  readonly requiredStart: readonly CharTest[];
  readonly program: readonly Instruction[];
}

export type CompileRegexResult =
  | { readonly ok: true; readonly regex: SafeRegex }
  | { readonly ok: false; readonly message: string; readonly offset: number };

export interface RegexMatch {
  readonly start: number;
  readonly end: number;
  /** Index 0 is the whole match; an unmatched group is undefined. */
  readonly groups: readonly (string | undefined)[];
}

class PatternError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export function compileSafeRegex(source: string, flags = ''): CompileRegexResult {
  try {
    for (let i = 0; i < flags.length; i++) {
      if (flags[i] !== 'i' || flags.indexOf('i') !== i) {
        throw new PatternError(`unsupported regular expression flag '${flags[i]}' (only 'i' is supported; replacements always apply to every match)`, 0);
      }
    }
    if (source.length > MAX_REGEX_PATTERN_LENGTH) {
      throw new PatternError(`regular expression is longer than ${MAX_REGEX_PATTERN_LENGTH} characters`, MAX_REGEX_PATTERN_LENGTH);
    }
    const ignoreCase = flags.includes('i');
    const parser = new PatternParser(source, ignoreCase);
    const tree = parser.parseWhole();
    if (programSize(tree) + 3 > MAX_REGEX_PROGRAM_SIZE) {
      throw new PatternError(`regular expression is too complex (over ${MAX_REGEX_PROGRAM_SIZE} instructions once repetitions are expanded)`, 0);
    }
    const emitter = new ProgramEmitter((parser.groupCount + 1) * 2);
    emitter.program.push({ op: 'save', slot: 0 });
    emitter.emit(tree);
    emitter.program.push({ op: 'save', slot: 1 }, { op: 'match' });
    const { program } = emitter;
    const first = program[1];
    return {
      ok: true,
      regex: {
        source,
        ignoreCase,
        groupCount: parser.groupCount,
        slotCount: emitter.slotCount,
        groupNames: parser.groupNames,
        anchoredAtStart: first?.op === 'assert' && first.assertion === 'start',
        requiredStart: requiredStartOf(tree),
        program,
      },
    };
  } catch (error) {
    if (error instanceof PatternError) return { ok: false, message: error.message, offset: error.offset };
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Character tests

const LINE_TERMINATORS = new Set([0x0a, 0x0d, 0x2028, 0x2029]);
const WHITESPACE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff]);

function isDigit(cp: number): boolean {
  return cp >= 0x30 && cp <= 0x39;
}

function isWordChar(cp: number): boolean {
  return isDigit(cp) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f;
}

function isSpace(cp: number): boolean {
  return WHITESPACE.has(cp) || (cp >= 0x2000 && cp <= 0x200a);
}

function lowerOf(cp: number): number {
  const lower = String.fromCodePoint(cp).toLowerCase();
  return lower.length === (cp > 0xffff ? 2 : 1) ? (lower.codePointAt(0) as number) : cp;
}

function upperOf(cp: number): number {
  const upper = String.fromCodePoint(cp).toUpperCase();
  return upper.length === (cp > 0xffff ? 2 : 1) ? (upper.codePointAt(0) as number) : cp;
}

/** Under `i` a test also accepts the other case of the character, as JavaScript's canonicalisation does. */
function caseless(test: CharTest): CharTest {
  return (cp) => test(cp) || test(lowerOf(cp)) || test(upperOf(cp));
}

const CLASS_ESCAPES: Readonly<Record<string, CharTest>> = {
  d: isDigit,
  D: (cp) => !isDigit(cp),
  w: isWordChar,
  W: (cp) => !isWordChar(cp),
  s: isSpace,
  S: (cp) => !isSpace(cp),
};

const CONTROL_ESCAPES: Readonly<Record<string, number>> = { t: 0x09, n: 0x0a, v: 0x0b, f: 0x0c, r: 0x0d, '0': 0x00 };
const SYNTAX_CHARACTERS = '^$\\.*+?()[]{}|/-';

// ---------------------------------------------------------------------------------------------
// Parser: pattern text -> tree

class PatternParser {
  private pos = 0;
  groupCount = 0;
  readonly groupNames = new Map<string, number>();

  constructor(
    private readonly text: string,
    private readonly ignoreCase: boolean,
  ) {}

  parseWhole(): RegexNode {
    const node = this.parseAlternation();
    if (this.pos < this.text.length) throw new PatternError(`unmatched ')'`, this.pos);
    return node;
  }

  private parseAlternation(): RegexNode {
    const options = [this.parseSequence()];
    while (this.text[this.pos] === '|') {
      this.pos++;
      options.push(this.parseSequence());
    }
    return options.length === 1 ? options[0] : { kind: 'alternation', options };
  }

  private parseSequence(): RegexNode {
    const items: RegexNode[] = [];
    while (this.pos < this.text.length && this.text[this.pos] !== '|' && this.text[this.pos] !== ')') {
      items.push(this.parseQuantifier(this.parseAtom()));
    }
    if (items.length === 0) return { kind: 'empty' };
    return items.length === 1 ? items[0] : { kind: 'sequence', items };
  }

  private parseQuantifier(atom: RegexNode): RegexNode {
    const quantifierStart = this.pos;
    const char = this.text[this.pos];
    let bounds: { min: number; max: number } | undefined;
    if (char === '*') bounds = { min: 0, max: Infinity };
    else if (char === '+') bounds = { min: 1, max: Infinity };
    else if (char === '?') bounds = { min: 0, max: 1 };
    else if (char === '{') bounds = this.readBraces();
    if (bounds === undefined) return atom;
    if (char !== '{') this.pos++;
    if (atom.kind === 'assert') throw new PatternError('nothing to repeat: an assertion cannot be quantified', quantifierStart);
    const lazy = this.text[this.pos] === '?';
    if (lazy) this.pos++;
    const next = this.text[this.pos];
    if (next === '*' || next === '+' || next === '?' || (next === '{' && this.bracesAt(this.pos) !== undefined)) {
      throw new PatternError('nothing to repeat: a quantifier cannot follow another', this.pos);
    }
    return { kind: 'repeat', body: atom, ...bounds, lazy };
  }

  /** `{n}`, `{n,}` or `{n,m}` at the current position (consumed), or undefined: then `{` is a literal, as in JavaScript. */
  private readBraces(): { min: number; max: number } | undefined {
    const found = this.bracesAt(this.pos);
    if (found === undefined) return undefined;
    const { min, max, length } = found;
    if (min > MAX_REGEX_REPETITION || (max !== Infinity && max > MAX_REGEX_REPETITION)) {
      throw new PatternError(`repetition count is larger than ${MAX_REGEX_REPETITION}`, this.pos);
    }
    if (max < min) throw new PatternError('numbers out of order in {} quantifier', this.pos);
    this.pos += length;
    return { min, max };
  }

  private bracesAt(at: number): { min: number; max: number; length: number } | undefined {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(this.text.slice(at, at + 16));
    if (match === null) return undefined;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
    return { min, max, length: match[0].length };
  }

  private parseAtom(): RegexNode {
    const start = this.pos;
    const char = this.text[this.pos];
    switch (char) {
      case '(':
        return this.parseGroup();
      case '[':
        return this.charNode(this.parseClass());
      case '.':
        this.pos++;
        return { kind: 'char', test: (cp) => !LINE_TERMINATORS.has(cp) };
      case '^':
        this.pos++;
        return { kind: 'assert', assertion: 'start' };
      case '$':
        this.pos++;
        return { kind: 'assert', assertion: 'end' };
      case '\\':
        return this.parseEscape();
      case '*':
      case '+':
      case '?':
        throw new PatternError('nothing to repeat before the quantifier', start);
      case '{':
        if (this.bracesAt(start) !== undefined) throw new PatternError('nothing to repeat before the quantifier', start);
        break;
      case ']':
      case '}':
        break;
    }
    const codePoint = this.text.codePointAt(this.pos) as number;
    this.pos += codePoint > 0xffff ? 2 : 1;
    return this.literal(codePoint);
  }

  private literal(codePoint: number): RegexNode {
    return this.charNode((cp) => cp === codePoint);
  }

  private charNode(test: CharTest): RegexNode {
    return { kind: 'char', test: this.ignoreCase ? caseless(test) : test };
  }

  private parseGroup(): RegexNode {
    const start = this.pos;
    this.pos++;
    let index: number | null = null;
    if (this.text.startsWith('?:', this.pos)) {
      this.pos += 2;
    } else if (this.text.startsWith('?<', this.pos) && this.text[this.pos + 2] !== '=' && this.text[this.pos + 2] !== '!') {
      const match = /^\?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(this.text.slice(this.pos));
      if (match === null) throw new PatternError('invalid group name (letters, digits and _ after a letter)', this.pos);
      if (this.groupNames.has(match[1])) throw new PatternError(`duplicate group name '${match[1]}'`, this.pos);
      index = ++this.groupCount;
      this.groupNames.set(match[1], index);
      this.pos += match[0].length;
    } else if (this.text[this.pos] === '?') {
      throw new PatternError('lookahead and lookbehind assertions are not supported', start);
    } else {
      index = ++this.groupCount;
    }
    const body = this.parseAlternation();
    if (this.text[this.pos] !== ')') throw new PatternError(`missing ')' for the group opened at offset ${start}`, this.pos);
    this.pos++;
    return { kind: 'group', index, body };
  }

  private parseEscape(): RegexNode {
    const start = this.pos;
    const next = this.text[this.pos + 1];
    if (next === undefined) throw new PatternError('\\ at the end of the pattern', start);
    if (next === 'b' || next === 'B') {
      this.pos += 2;
      return { kind: 'assert', assertion: next === 'b' ? 'wordBoundary' : 'notWordBoundary' };
    }
    const classTest = CLASS_ESCAPES[next];
    if (classTest !== undefined) {
      this.pos += 2;
      return this.charNode(classTest);
    }
    if (next >= '1' && next <= '9') throw new PatternError('backreferences are not supported', start);
    if (next === 'k') throw new PatternError('named backreferences are not supported', start);
    return this.literal(this.readCharacterEscape());
  }

  /** An escape that names one character (shared by atoms and classes); consumes it. */
  private readCharacterEscape(): number {
    const start = this.pos;
    const next = this.text[this.pos + 1];
    if (next === 'p' || next === 'P') throw new PatternError('Unicode property escapes are not supported', start);
    const control = CONTROL_ESCAPES[next];
    if (control !== undefined && !(next === '0' && isDigit(this.text.charCodeAt(this.pos + 2)))) {
      this.pos += 2;
      return control;
    }
    if (next === 'x' || next === 'u') {
      const digits = next === 'x' ? 2 : 4;
      const hex = this.text.slice(this.pos + 2, this.pos + 2 + digits);
      if (hex.length !== digits || !/^[0-9A-Fa-f]+$/.test(hex)) {
        throw new PatternError(`\\${next} needs ${digits} hexadecimal digits`, start);
      }
      this.pos += 2 + digits;
      return parseInt(hex, 16);
    }
    if (SYNTAX_CHARACTERS.includes(next)) {
      this.pos += 2;
      return next.charCodeAt(0);
    }
    throw new PatternError(`unknown escape '\\${next}'`, start);
  }

  private parseClass(): CharTest {
    const start = this.pos;
    this.pos++;
    const negated = this.text[this.pos] === '^';
    if (negated) this.pos++;
    const tests: CharTest[] = [];
    while (this.text[this.pos] !== ']') {
      if (this.pos >= this.text.length) throw new PatternError(`missing ']' for the class opened at offset ${start}`, this.pos);
      const itemStart = this.pos;
      const low = this.readClassAtom();
      if (this.text[this.pos] === '-' && this.text[this.pos + 1] !== ']' && this.pos + 1 < this.text.length) {
        this.pos++;
        const high = this.readClassAtom();
        if (typeof low !== 'number' || typeof high !== 'number') {
          throw new PatternError('a class escape such as \\d cannot bound a range', itemStart);
        }
        if (low > high) throw new PatternError('range out of order in character class', itemStart);
        tests.push((cp) => cp >= low && cp <= high);
      } else {
        tests.push(typeof low === 'number' ? (cp) => cp === low : low);
      }
    }
    this.pos++;
    const anyOf: CharTest = (cp) => tests.some((test) => test(cp));
    return negated ? (cp) => !(this.ignoreCase ? caseless(anyOf)(cp) : anyOf(cp)) : anyOf;
  }

  /** One class member: a code point, or a test for `\d`-style escapes. */
  private readClassAtom(): number | CharTest {
    if (this.text[this.pos] !== '\\') {
      const codePoint = this.text.codePointAt(this.pos) as number;
      this.pos += codePoint > 0xffff ? 2 : 1;
      return codePoint;
    }
    const next = this.text[this.pos + 1];
    const classTest = CLASS_ESCAPES[next];
    if (classTest !== undefined) {
      this.pos += 2;
      return classTest;
    }
    if (next === 'b') {
      this.pos += 2;
      return 0x08;
    }
    if (next >= '1' && next <= '9') throw new PatternError('backreferences are not supported', this.pos);
    return this.readCharacterEscape();
  }
}

// ---------------------------------------------------------------------------------------------
// Compiler: tree -> program

function programSize(node: RegexNode): number {
  switch (node.kind) {
    case 'empty':
      return 0;
    case 'char':
    case 'assert':
      return 1;
    case 'sequence':
      return node.items.reduce((total, item) => total + programSize(item), 0);
    case 'alternation':
      return node.options.reduce((total, option) => total + programSize(option) + 2, 0);
    case 'group':
      return programSize(node.body) + (node.index === null ? 0 : 2);
    case 'repeat': {
      const body = programSize(node.body) + 1;
      const optional = node.max === Infinity ? 1 : node.max - node.min;
      return node.min * body + optional * (body + 4);
    }
  }
}

/** The character tests right after a leading `^`, up to the first element that is not one character. */
function requiredStartOf(tree: RegexNode): CharTest[] {
  const items = tree.kind === 'sequence' ? tree.items : [tree];
  if (items[0]?.kind !== 'assert' || items[0].assertion !== 'start') return [];
  const tests: CharTest[] = [];
  for (const item of items.slice(1)) {
    if (item.kind !== 'char') break;
    tests.push(item.test);
  }
  return tests;
}

/** Whether the node can match the empty string. */
function isNullable(node: RegexNode): boolean {
  switch (node.kind) {
    case 'empty':
    case 'assert':
      return true;
    case 'char':
      return false;
    case 'sequence':
      return node.items.every(isNullable);
    case 'alternation':
      return node.options.some(isNullable);
    case 'group':
      return isNullable(node.body);
    case 'repeat':
      return node.min === 0 || isNullable(node.body);
  }
}

/** The capture groups inside a node, as a range of group numbers [first, last], or undefined. */
function groupRange(node: RegexNode): [number, number] | undefined {
  const ranges: [number, number][] = [];
  const own = node.kind === 'group' && node.index !== null ? node.index : undefined;
  const children = node.kind === 'sequence' ? node.items : node.kind === 'alternation' ? node.options : node.kind === 'group' || node.kind === 'repeat' ? [node.body] : [];
  for (const child of children) {
    const range = groupRange(child);
    if (range !== undefined) ranges.push(range);
  }
  if (own !== undefined) ranges.push([own, own]);
  if (ranges.length === 0) return undefined;
  return [Math.min(...ranges.map((range) => range[0])), Math.max(...ranges.map((range) => range[1]))];
}

class ProgramEmitter {
  readonly program: Instruction[] = [];

  constructor(public slotCount: number) {}

  emit(node: RegexNode): void {
    const { program } = this;
    switch (node.kind) {
      case 'empty':
        return;
      case 'char':
        program.push({ op: 'char', test: node.test });
        return;
      case 'assert':
        program.push({ op: 'assert', assertion: node.assertion });
        return;
      case 'sequence':
        for (const item of node.items) this.emit(item);
        return;
      case 'group':
        if (node.index !== null) program.push({ op: 'save', slot: node.index * 2 });
        this.emit(node.body);
        if (node.index !== null) program.push({ op: 'save', slot: node.index * 2 + 1 });
        return;
      case 'alternation':
        this.emitAlternation(node.options);
        return;
      case 'repeat':
        this.emitRepeat(node);
        return;
    }
  }

  private emitAlternation(options: readonly RegexNode[]): void {
    const { program } = this;
    const jumps: number[] = [];
    options.forEach((option, index) => {
      if (index === options.length - 1) {
        this.emit(option);
        return;
      }
      const split = program.length;
      program.push({ op: 'split', preferred: split + 1, other: -1 });
      this.emit(option);
      jumps.push(program.length);
      program.push({ op: 'jump', to: -1 });
      program[split] = { op: 'split', preferred: split + 1, other: program.length };
    });
    for (const jump of jumps) program[jump] = { op: 'jump', to: program.length };
  }

  /**
   * Required iterations, then optional ones behind splits (a loop for an unbounded maximum). As in
   * ECMAScript, each iteration starts with its groups' captures unset, and an optional iteration of a
   * body that can match empty must consume input (checked against a per-thread slot).
   */
  private emitRepeat(node: Extract<RegexNode, { kind: 'repeat' }>): void {
    const { program } = this;
    const groups = groupRange(node.body);
    const emitIteration = (optional: boolean): void => {
      if (groups !== undefined) program.push({ op: 'clear', from: groups[0] * 2, to: groups[1] * 2 + 2 });
      const check = optional && isNullable(node.body) ? this.slotCount++ : undefined;
      if (check !== undefined) program.push({ op: 'save', slot: check });
      this.emit(node.body);
      if (check !== undefined) program.push({ op: 'progress', slot: check });
    };
    for (let i = 0; i < node.min; i++) emitIteration(false);
    const split = (into: number, past: number): Instruction =>
      node.lazy ? { op: 'split', preferred: past, other: into } : { op: 'split', preferred: into, other: past };
    if (node.max === Infinity) {
      const loop = program.length;
      program.push({ op: 'match' }); // placeholder: patched to a split once the body's end is known
      emitIteration(true);
      program.push({ op: 'jump', to: loop });
      program[loop] = split(loop + 1, program.length);
      return;
    }
    const splits: number[] = [];
    for (let i = node.min; i < node.max; i++) {
      splits.push(program.length);
      program.push({ op: 'match' }); // placeholder, as above
      emitIteration(true);
    }
    for (const at of splits) program[at] = split(at + 1, program.length);
  }
}

// ---------------------------------------------------------------------------------------------
// Pike VM

interface Thread {
  readonly pc: number;
  readonly slots: Int32Array;
}

function codePointBefore(input: string, position: number): number {
  if (position <= 0) return -1;
  const low = input.charCodeAt(position - 1);
  if (low >= 0xdc00 && low <= 0xdfff && position >= 2) {
    const high = input.charCodeAt(position - 2);
    if (high >= 0xd800 && high <= 0xdbff) return input.codePointAt(position - 2) as number;
  }
  return low;
}

function holds(assertion: Assertion, input: string, position: number): boolean {
  switch (assertion) {
    case 'start':
      return position === 0;
    case 'end':
      return position === input.length;
    default: {
      const before = codePointBefore(input, position);
      const after = position < input.length ? (input.codePointAt(position) as number) : -1;
      const boundary = (before >= 0 && isWordChar(before)) !== (after >= 0 && isWordChar(after));
      return assertion === 'wordBoundary' ? boundary : !boundary;
    }
  }
}

/**
 * Working memory of the VM, reused across the matches of one scan: the visited marks are stamped with
 * a generation number, so starting a new position never clears them.
 */
interface VmState {
  readonly visited: Int32Array;
  generation: number;
}

function createVmState(regex: SafeRegex): VmState {
  return { visited: new Int32Array(regex.program.length).fill(-1), generation: 0 };
}

/**
 * The leftmost match at or after `from`, or null. Costs at most program size x (remaining input + 1)
 * steps, plus one per call, all charged to `meter` (which throws when the caller's budget is spent).
 */
export function execSafeRegex(regex: SafeRegex, input: string, from: number, meter: StepMeter): RegexMatch | null {
  return runVm(regex, input, from, meter, createVmState(regex));
}

function runVm(regex: SafeRegex, input: string, from: number, meter: StepMeter, state: VmState): RegexMatch | null {
  if (regex.anchoredAtStart && !startsAsRequired(regex, input, from)) {
    meter.charge(1);
    return null;
  }
  const { program } = regex;
  const { visited } = state;
  const { slotCount } = regex;
  let steps = 1;

  // Follows jumps, splits, saves and assertions from `pc` in priority order, adding the threads that
  // wait on a character (or match) to `list`. An explicit stack keeps deep programs off the call stack.
  const addThread = (list: Thread[], startPc: number, startSlots: Int32Array, position: number): void => {
    const stack: { pc: number; slots: Int32Array }[] = [{ pc: startPc, slots: startSlots }];
    while (stack.length > 0) {
      const { pc, slots } = stack.pop() as { pc: number; slots: Int32Array };
      const instruction = program[pc];
      // A failed check does not mark the instruction visited: another thread may still pass it.
      if (instruction.op === 'progress' && slots[instruction.slot] === position) continue;
      if (visited[pc] === state.generation) continue;
      visited[pc] = state.generation;
      steps++;
      switch (instruction.op) {
        case 'jump':
          stack.push({ pc: instruction.to, slots });
          break;
        case 'split':
          stack.push({ pc: instruction.other, slots }, { pc: instruction.preferred, slots });
          break;
        case 'save': {
          const copy = slots.slice();
          copy[instruction.slot] = position;
          stack.push({ pc: pc + 1, slots: copy });
          break;
        }
        case 'clear': {
          const copy = slots.slice();
          copy.fill(-1, instruction.from, instruction.to);
          stack.push({ pc: pc + 1, slots: copy });
          break;
        }
        case 'progress':
          stack.push({ pc: pc + 1, slots });
          break;
        case 'assert':
          if (holds(instruction.assertion, input, position)) stack.push({ pc: pc + 1, slots });
          break;
        default:
          list.push({ pc, slots });
      }
    }
  };

  let matched: Int32Array | null = null;
  let current: Thread[] = [];
  state.generation++;
  addThread(current, 0, new Int32Array(slotCount).fill(-1), from);
  let position = from;
  for (;;) {
    const codePoint = position < input.length ? (input.codePointAt(position) as number) : -1;
    const next = position + (codePoint > 0xffff ? 2 : 1);
    state.generation++;
    const following: Thread[] = [];
    for (const thread of current) {
      steps++;
      const instruction = program[thread.pc];
      if (instruction.op === 'match') {
        matched = thread.slots;
        break; // lower-priority threads can no longer win
      }
      if (instruction.op === 'char' && codePoint >= 0 && instruction.test(codePoint)) {
        addThread(following, thread.pc + 1, thread.slots, next);
      }
    }
    meter.charge(steps);
    steps = 0;
    if (codePoint < 0) break;
    position = next;
    if (matched === null && !regex.anchoredAtStart) addThread(following, 0, new Int32Array(slotCount).fill(-1), position);
    if (following.length === 0) break;
    current = following;
  }
  if (matched === null) return null;
  const found = matched;
  const groups: (string | undefined)[] = [];
  for (let group = 0; group <= regex.groupCount; group++) {
    const start = found[group * 2];
    const end = found[group * 2 + 1];
    groups.push(start >= 0 && end >= 0 ? input.slice(start, end) : undefined);
  }
  return { start: found[0], end: found[1], groups };
}

/** Whether an anchored pattern can match: only at position 0, and only after its required characters. */
function startsAsRequired(regex: SafeRegex, input: string, from: number): boolean {
  if (from > 0) return false;
  let position = 0;
  for (const test of regex.requiredStart) {
    const codePoint = input.codePointAt(position);
    if (codePoint === undefined || !test(codePoint)) return false;
    position += codePoint > 0xffff ? 2 : 1;
  }
  return true;
}

export function testSafeRegex(regex: SafeRegex, input: string, meter: StepMeter): boolean {
  return execSafeRegex(regex, input, 0, meter) !== null;
}

/** Every non-overlapping match, left to right; an empty match advances one character, as JavaScript does. */
export function matchAllSafeRegex(regex: SafeRegex, input: string, meter: StepMeter): RegexMatch[] {
  const matches: RegexMatch[] = [];
  const state = createVmState(regex);
  let from = 0;
  while (from <= input.length) {
    const match = runVm(regex, input, from, meter, state);
    if (match === null) break;
    matches.push(match);
    if (match.end > match.start) from = match.end;
    else from = match.end + ((input.codePointAt(match.end) ?? 0) > 0xffff ? 2 : 1);
  }
  return matches;
}

/**
 * Replaces every match. The replacement understands JavaScript's `$1`-`$99`, `$<name>`, `$&` and `$$`;
 * an unmatched group inserts nothing.
 */
export function replaceSafeRegex(regex: SafeRegex, input: string, replacement: string, meter: StepMeter): string {
  let result = '';
  let last = 0;
  for (const match of matchAllSafeRegex(regex, input, meter)) {
    result += input.slice(last, match.start) + expandReplacement(regex, match, replacement);
    last = match.end;
  }
  return result + input.slice(last);
}

function expandReplacement(regex: SafeRegex, match: RegexMatch, replacement: string): string {
  return replacement.replace(/\$(\$|&|<([A-Za-z_][A-Za-z0-9_]*)>|(\d\d?))/g, (whole, token: string, name?: string, digits?: string) => {
    if (token === '$') return '$';
    if (token === '&') return match.groups[0] ?? '';
    if (name !== undefined) {
      const index = regex.groupNames.get(name);
      return index === undefined ? whole : (match.groups[index] ?? '');
    }
    let index = Number(digits);
    // `$12` with one group is `$1` followed by "2", as in JavaScript.
    if (index > regex.groupCount && (digits as string).length === 2) {
      index = Number((digits as string)[0]);
      if (index >= 1 && index <= regex.groupCount) return (match.groups[index] ?? '') + (digits as string)[1];
      return whole;
    }
    return index >= 1 && index <= regex.groupCount ? (match.groups[index] ?? '') : whole;
  });
}
