import { describe, expect, it } from 'vitest';
import { GuideSyntaxError, guideFromToml, guideToToml, tomlString } from './guideToml';
import type { GuideDraft } from './guideToml';

// The example at the top of crates/pw-twins/src/guide.rs, which the backend's own test parses.
const DOCUMENTED_EXAMPLE = `title = "Halcyon Roasters: the holiday gift box"
objective = "Learn whether the gift box ad makes coffee lovers want to give it, and what price feels fair."

[[sections]]
name = "Warm-up"
goals = ["How each participant drinks coffee day to day"]
questions = [
    "Tell us your name and how your day starts with coffee.",
    "Where do you usually buy your beans?",
]
turn_budget = 8

[[sections]]
name = "Reactions to the holiday gift box ad"
goals = [
    "First impression of the ad",
    "Whether the box reads as a gift or as a treat for oneself",
]
questions = [
    "What is the first thing you notice?",
    "Who, if anyone, would you give this to?",
]
probes = ["What makes you say that?", "Can you give an example?"]
turn_budget = 20

[[sections.stimuli]]
ad_copy = { headline = "Twelve mornings, wrapped", body = "Our holiday gift box: twelve single-origin roasts, one for each morning of the holidays." }

[[sections.stimuli]]
creative = { id = "cr_holiday_box_01", caption = "A kraft-paper box tied with green ribbon beside a steaming mug" }

[[sections]]
name = "Price and subscription"
goals = ["A fair price for the box", "Interest in a monthly subscription after it"]
questions = [
    "What would you expect to pay for this box?",
    "Would you keep receiving coffee every month afterwards?",
]

[[sections.stimuli]]
concept = { title = "Halcyon Monthly", description = "A fresh roast delivered each month for $18, paused or cancelled any time." }
`;

const TRICKY: GuideDraft = {
  title: 'The "Snow Day" box — a \\ test',
  objective: 'Does "cozy" land?\nSecond line\twith a tab',
  sections: [
    {
      name: 'Warm-up',
      goals: ['How people say "gift"', '  '],
      questions: ['What\'s your morning like?', 'C:\\path or "quotes"'],
      probes: [],
      turnBudget: null,
      stimuli: [],
    },
    {
      name: 'Ads',
      goals: ['First impression'],
      questions: ['What do you notice?'],
      probes: ['Why "that"?'],
      turnBudget: 20,
      stimuli: [
        { kind: 'ad_copy', headline: 'Twelve "mornings", wrapped', body: 'Line one\nline two — ünïcödé ☕' },
        { kind: 'concept', title: 'Halcyon Monthly', description: '$18 a month, {paused} any time' },
        { kind: 'creative', id: 'cr_01', caption: '' },
        { kind: 'creative', id: 'cr_02', caption: 'A box with a [ribbon] # not a comment' },
      ],
    },
  ],
};

describe('guide TOML', () => {
  it('escapes quotes, backslashes and control characters as TOML basic strings', () => {
    expect(tomlString('say "hi"')).toBe('"say \\"hi\\""');
    expect(tomlString('a\\b')).toBe('"a\\\\b"');
    expect(tomlString('one\ntwo\tthree')).toBe('"one\\ntwo\\tthree"');
    expect(tomlString('bell\u0007')).toBe('"bell\\u0007"');
  });

  it('writes the documented shape: sections, their stimuli as one-key inline tables', () => {
    const toml = guideToToml(TRICKY);
    expect(toml).toContain('title = "The \\"Snow Day\\" box — a \\\\ test"\n');
    expect(toml).toContain('objective = "Does \\"cozy\\" land?\\nSecond line\\twith a tab"');
    expect(toml).toContain('[[sections]]\nname = "Ads"');
    expect(toml).toContain('turn_budget = 20');
    // A section without a budget leaves it to the backend's default; without probes, no key.
    expect(toml.split('[[sections]]')[1]).not.toContain('turn_budget');
    expect(toml.split('[[sections]]')[1]).not.toContain('probes');
    // Blank list items are left out.
    expect(toml).toContain('goals = [\n    "How people say \\"gift\\"",\n]');
    expect(toml).toContain(
      '[[sections.stimuli]]\nad_copy = { headline = "Twelve \\"mornings\\", wrapped", body = "Line one\\nline two — ünïcödé ☕" }',
    );
    expect(toml).toContain('[[sections.stimuli]]\ncreative = { id = "cr_01" }');
    expect(toml).toContain('creative = { id = "cr_02", caption = "A box with a [ribbon] # not a comment" }');
  });

  it('round-trips a guide with stimuli and special characters', () => {
    const back = guideFromToml(guideToToml(TRICKY));
    expect(back).toEqual({
      ...TRICKY,
      sections: [{ ...TRICKY.sections[0], goals: ['How people say "gift"'] }, TRICKY.sections[1]],
    });
    // And again: writing what was read gives the same text.
    expect(guideToToml(back)).toBe(guideToToml(TRICKY));
  });

  it('reads the example the backend documents, and writes it back in the same shape', () => {
    const guide = guideFromToml(DOCUMENTED_EXAMPLE);
    expect(guide.title).toBe('Halcyon Roasters: the holiday gift box');
    expect(guide.sections.map((s) => s.name)).toEqual([
      'Warm-up',
      'Reactions to the holiday gift box ad',
      'Price and subscription',
    ]);
    expect(guide.sections[0].turnBudget).toBe(8);
    expect(guide.sections[2].turnBudget).toBeNull();
    expect(guide.sections[1].probes).toEqual(['What makes you say that?', 'Can you give an example?']);
    expect(guide.sections[1].stimuli).toEqual([
      {
        kind: 'ad_copy',
        headline: 'Twelve mornings, wrapped',
        body: 'Our holiday gift box: twelve single-origin roasts, one for each morning of the holidays.',
      },
      { kind: 'creative', id: 'cr_holiday_box_01', caption: 'A kraft-paper box tied with green ribbon beside a steaming mug' },
    ]);
    expect(guide.sections[2].stimuli[0]).toEqual({
      kind: 'concept',
      title: 'Halcyon Monthly',
      description: 'A fresh roast delivered each month for $18, paused or cancelled any time.',
    });
    expect(guideFromToml(guideToToml(guide))).toEqual(guide);
  });

  it('reads comments, literal strings and escapes', () => {
    const guide = guideFromToml(
      `# a guide\ntitle = 'C:\\raw'  # trailing\n[[sections]]\nname = "caf\\u00e9"\ngoals = [ # why\n  "a", # first\n]\nquestions = ["q"]\n`,
    );
    expect(guide.title).toBe('C:\\raw');
    expect(guide.sections[0].name).toBe('café');
    expect(guide.sections[0].goals).toEqual(['a']);
  });

  it('names the line of TOML it cannot read', () => {
    expect(() => guideFromToml('title = "x"\n\n[[sections]]\nname = "unclosed\n')).toThrow(GuideSyntaxError);
    try {
      guideFromToml('title = "x"\n\n[[sections]]\nname = "unclosed\n');
    } catch (e) {
      expect((e as GuideSyntaxError).line).toBe(4);
      expect((e as Error).message).toMatch(/^line 4: a string is not closed/);
    }
    expect(() => guideFromToml('[meta]\ntitle = "x"')).toThrow(/only \[\[sections\]\]/);
  });
});
