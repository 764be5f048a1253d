// The focus-group discussion guide as the form edits it, and its TOML: written in exactly the
// shape crates/pw-twins/src/guide.rs documents (a title, an optional objective, `[[sections]]`
// with their `[[sections.stimuli]]`), and read back from that shape so the TOML tab and the
// form stay one guide. Reading is lenient only about layout: the backend's parser is the one
// that decides whether a guide is valid, and names the line and field when it is not.

export type StimulusDraft =
  | { kind: 'ad_copy'; headline: string; body: string }
  | { kind: 'concept'; title: string; description: string }
  | { kind: 'creative'; id: string; caption: string };

export interface SectionDraft {
  name: string;
  goals: string[];
  questions: string[];
  probes: string[];
  /** null: the backend's default (12). */
  turnBudget: number | null;
  stimuli: StimulusDraft[];
}

export interface GuideDraft {
  title: string;
  objective: string;
  sections: SectionDraft[];
}

export const TURN_BUDGET_MIN = 2;
export const TURN_BUDGET_MAX = 60;

export function emptySection(): SectionDraft {
  return { name: '', goals: [''], questions: [''], probes: [], turnBudget: null, stimuli: [] };
}

/** A short guide to start from: two sections, small budgets, an ad to react to. */
export function exampleGuide(brand: string): GuideDraft {
  const name = brand.trim() || 'our brand';
  return {
    title: `${name}: first reactions to the new ad`,
    objective: 'Learn what people notice first in the ad, and what would stop them buying.',
    sections: [
      {
        name: 'Warm-up',
        goals: ['How each participant shops for this kind of product'],
        questions: ['Tell us your name and how you usually choose what to buy in this category.'],
        probes: [],
        turnBudget: 4,
        stimuli: [],
      },
      {
        name: 'Reactions to the ad',
        goals: ['First impression of the ad', 'What would stop them buying'],
        questions: ['What is the first thing you notice?', 'What, if anything, would stop you buying it?'],
        probes: ['What makes you say that?'],
        turnBudget: 6,
        stimuli: [
          {
            kind: 'ad_copy',
            headline: `${name}, made for your mornings`,
            body: 'Fresh, simple and delivered to your door.',
          },
        ],
      },
    ],
  };
}

export function emptyGuide(): GuideDraft {
  return { title: '', objective: '', sections: [emptySection()] };
}

/** A TOML basic string: quotes, backslashes and control characters escaped. */
export function tomlString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function tomlArray(items: string[]): string {
  const kept = items.map((i) => i.trim()).filter(Boolean);
  if (kept.length === 0) return '[]';
  return `[\n${kept.map((i) => `    ${tomlString(i)},`).join('\n')}\n]`;
}

function stimulusToml(s: StimulusDraft): string {
  switch (s.kind) {
    case 'ad_copy':
      return `ad_copy = { headline = ${tomlString(s.headline.trim())}, body = ${tomlString(s.body.trim())} }`;
    case 'concept':
      return `concept = { title = ${tomlString(s.title.trim())}, description = ${tomlString(s.description.trim())} }`;
    case 'creative':
      return s.caption.trim()
        ? `creative = { id = ${tomlString(s.id.trim())}, caption = ${tomlString(s.caption.trim())} }`
        : `creative = { id = ${tomlString(s.id.trim())} }`;
  }
}

/** The guide as TOML. Blank list items are left out; an empty objective is omitted. */
export function guideToToml(guide: GuideDraft): string {
  const out: string[] = [`title = ${tomlString(guide.title.trim())}`];
  if (guide.objective.trim()) out.push(`objective = ${tomlString(guide.objective.trim())}`);
  for (const section of guide.sections) {
    out.push('', '[[sections]]', `name = ${tomlString(section.name.trim())}`);
    out.push(`goals = ${tomlArray(section.goals)}`);
    out.push(`questions = ${tomlArray(section.questions)}`);
    if (section.probes.some((p) => p.trim())) out.push(`probes = ${tomlArray(section.probes)}`);
    if (section.turnBudget !== null) out.push(`turn_budget = ${section.turnBudget}`);
    for (const stimulus of section.stimuli) {
      out.push('', '[[sections.stimuli]]', stimulusToml(stimulus));
    }
  }
  return `${out.join('\n')}\n`;
}

/** TOML this reader cannot turn into the form; `line` counts from 1. */
export class GuideSyntaxError extends Error {
  readonly line: number;

  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'GuideSyntaxError';
    this.line = line;
  }
}

type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
interface TomlTable {
  [key: string]: TomlValue;
}

/** Reads the subset of TOML a guide uses: keys, strings, integers, arrays, inline tables, `[[…]]`. */
class Reader {
  private pos = 0;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  private line(): number {
    return this.text.slice(0, this.pos).split('\n').length;
  }

  fail(message: string): never {
    throw new GuideSyntaxError(message, this.line());
  }

  private peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }

  private skipSpaces() {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  /** Spaces, newlines and comments (inside arrays, and between statements). */
  private skipBlank() {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else if (c === '#') while (this.pos < this.text.length && this.peek() !== '\n') this.pos++;
      else return;
    }
  }

  private endOfLine() {
    this.skipSpaces();
    if (this.peek() === '#') while (this.pos < this.text.length && this.peek() !== '\n') this.pos++;
    if (this.pos < this.text.length && this.peek() !== '\n' && this.peek() !== '\r') {
      this.fail(`unexpected ${JSON.stringify(this.peek())} after a value`);
    }
  }

  private key(): string {
    const c = this.peek();
    if (c === '"' || c === "'") return this.string();
    const start = this.pos;
    while (/[A-Za-z0-9_-]/.test(this.peek())) this.pos++;
    if (start === this.pos) this.fail('expected a field name');
    return this.text.slice(start, this.pos);
  }

  private string(): string {
    const quote = this.peek();
    if (this.text.startsWith(quote.repeat(3), this.pos)) return this.multilineString(quote);
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.peek();
      if (c === '' || c === '\n') this.fail('a string is not closed');
      this.pos++;
      if (c === quote) return out;
      if (c === '\\' && quote === '"') out += this.escape();
      else out += c;
    }
  }

  private multilineString(quote: string): string {
    this.pos += 3;
    if (this.peek() === '\n') this.pos++;
    else if (this.peek() === '\r' && this.peek(1) === '\n') this.pos += 2;
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length) this.fail('a string is not closed');
      if (this.text.startsWith(quote.repeat(3), this.pos)) {
        this.pos += 3;
        return out;
      }
      const c = this.peek();
      this.pos++;
      if (c === '\\' && quote === '"') {
        if (this.peek() === '\n' || this.peek() === ' ' || this.peek() === '\r') {
          // A line-ending backslash trims the whitespace that follows.
          while (/[\s]/.test(this.peek())) this.pos++;
        } else out += this.escape();
      } else out += c;
    }
  }

  private escape(): string {
    const c = this.peek();
    this.pos++;
    switch (c) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'e':
        return '\x1b';
      case '"':
        return '"';
      case '\\':
        return '\\';
      case 'u':
      case 'U': {
        const length = c === 'u' ? 4 : 8;
        const hex = this.text.slice(this.pos, this.pos + length);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) this.fail('a bad \\u escape');
        this.pos += length;
        return String.fromCodePoint(parseInt(hex, 16));
      }
      default:
        return this.fail(`unknown escape \\${c}`);
    }
  }

  private value(): TomlValue {
    const c = this.peek();
    if (c === '"' || c === "'") return this.string();
    if (c === '[') return this.array();
    if (c === '{') return this.inlineTable();
    const match = /^(true|false|[+-]?\d[\d_]*)/.exec(this.text.slice(this.pos));
    if (!match) return this.fail('expected a value (text in quotes, a number, a list or { … })');
    this.pos += match[0].length;
    if (match[0] === 'true') return true;
    if (match[0] === 'false') return false;
    return Number(match[0].replace(/_/g, ''));
  }

  private array(): TomlValue[] {
    this.pos++;
    const items: TomlValue[] = [];
    for (;;) {
      this.skipBlank();
      if (this.peek() === ']') {
        this.pos++;
        return items;
      }
      items.push(this.value());
      this.skipBlank();
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== ']') this.fail('expected , or ] in a list');
    }
  }

  private inlineTable(): TomlTable {
    this.pos++;
    const table: TomlTable = {};
    this.skipSpaces();
    if (this.peek() === '}') {
      this.pos++;
      return table;
    }
    for (;;) {
      this.skipSpaces();
      const key = this.key();
      this.skipSpaces();
      if (this.peek() !== '=') this.fail(`expected = after ${key}`);
      this.pos++;
      this.skipSpaces();
      table[key] = this.value();
      this.skipSpaces();
      if (this.peek() === ',') this.pos++;
      else if (this.peek() === '}') {
        this.pos++;
        return table;
      } else this.fail('expected , or } in an inline table');
    }
  }

  document(): TomlTable {
    const root: TomlTable = {};
    let current = root;
    for (;;) {
      this.skipBlank();
      if (this.pos >= this.text.length) return root;
      if (this.peek() === '[') {
        if (this.peek(1) !== '[') this.fail('only [[sections]] and [[sections.stimuli]] headers are used in a guide');
        this.pos += 2;
        this.skipSpaces();
        const start = this.pos;
        while (this.pos < this.text.length && this.peek() !== ']' && this.peek() !== '\n') this.pos++;
        const name = this.text.slice(start, this.pos).trim();
        if (!this.text.startsWith(']]', this.pos)) this.fail('a [[header]] is not closed');
        this.pos += 2;
        this.endOfLine();
        current = this.appendTable(root, name);
        continue;
      }
      const key = this.key();
      this.skipSpaces();
      if (this.peek() !== '=') this.fail(`expected = after ${key}`);
      this.pos++;
      this.skipSpaces();
      if (key in current) this.fail(`${key} is given twice`);
      current[key] = this.value();
      this.endOfLine();
    }
  }

  private appendTable(root: TomlTable, name: string): TomlTable {
    const table: TomlTable = {};
    if (name === 'sections') {
      const list = (root.sections ??= []);
      if (!Array.isArray(list)) this.fail('sections must be a list of [[sections]]');
      list.push(table);
      return table;
    }
    if (name === 'sections.stimuli') {
      const sections = root.sections;
      const last = Array.isArray(sections) ? sections[sections.length - 1] : undefined;
      if (!last || typeof last !== 'object' || Array.isArray(last)) {
        this.fail('[[sections.stimuli]] must follow a [[sections]]');
      }
      const list = (last.stimuli ??= []);
      if (!Array.isArray(list)) this.fail('stimuli must be a list');
      list.push(table);
      return table;
    }
    return this.fail(`unknown header [[${name}]]`);
  }
}

function text(value: TomlValue | undefined, field: string, line = 0): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new GuideSyntaxError(`${field} must be text in quotes`, line);
  return value;
}

function texts(value: TomlValue | undefined, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new GuideSyntaxError(`${field} must be a list of texts`, 0);
  return value.map((v) => text(v, field));
}

function table(value: TomlValue | undefined, field: string): TomlTable {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GuideSyntaxError(`${field} must be { … }`, 0);
  }
  return value;
}

function stimulusFrom(t: TomlTable): StimulusDraft {
  if (t.ad_copy !== undefined) {
    const v = table(t.ad_copy, 'ad_copy');
    return { kind: 'ad_copy', headline: text(v.headline, 'headline'), body: text(v.body, 'body') };
  }
  if (t.concept !== undefined) {
    const v = table(t.concept, 'concept');
    return { kind: 'concept', title: text(v.title, 'title'), description: text(v.description, 'description') };
  }
  if (t.creative !== undefined) {
    const v = table(t.creative, 'creative');
    return { kind: 'creative', id: text(v.id, 'id'), caption: text(v.caption, 'caption') };
  }
  throw new GuideSyntaxError('a stimulus is one of ad_copy, concept or creative', 0);
}

/** The form's guide from TOML; throws a GuideSyntaxError naming the line when it cannot. */
export function guideFromToml(source: string): GuideDraft {
  const root = new Reader(source).document();
  const sections = root.sections === undefined ? [] : root.sections;
  if (!Array.isArray(sections)) throw new GuideSyntaxError('sections must be [[sections]]', 0);
  return {
    title: text(root.title, 'title'),
    objective: text(root.objective, 'objective'),
    sections: sections.map((raw) => {
      const s = table(raw, 'a section');
      const budget = s.turn_budget;
      if (budget !== undefined && typeof budget !== 'number') {
        throw new GuideSyntaxError('turn_budget must be a whole number', 0);
      }
      const stimuli = s.stimuli === undefined ? [] : s.stimuli;
      if (!Array.isArray(stimuli)) throw new GuideSyntaxError('stimuli must be [[sections.stimuli]]', 0);
      return {
        name: text(s.name, 'name'),
        goals: texts(s.goals, 'goals'),
        questions: texts(s.questions, 'questions'),
        probes: texts(s.probes, 'probes'),
        turnBudget: budget === undefined ? null : budget,
        stimuli: stimuli.map((st) => stimulusFrom(table(st, 'a stimulus'))),
      };
    }),
  };
}
