import { describe, expect, it } from 'vitest';
import type { DeckSectionView, DeckSpecView, SlideView } from '../../ipc/backend';
import { moveSection, moveSlide, previewSpec, removeSection, sectionLabel, withEdit } from './deckSpec';

function section(overrides: Partial<DeckSectionView> = {}): DeckSectionView {
  return {
    kind: 'dashboard',
    key: 'dashboard',
    from: null,
    to: null,
    id: null,
    questions: [],
    question: null,
    dimension: null,
    agent: null,
    set: null,
    ...overrides,
  };
}

function spec(overrides: Partial<DeckSpecView> = {}): DeckSpecView {
  return { title: 'Review', subtitle: '', objectives: [], sections: [], slides: [], slideOrder: [], ...overrides };
}

function slide(key: string, title = key): SlideView {
  return {
    key,
    kind: 'bullets',
    title,
    subtitle: '',
    items: [],
    tiles: [],
    chart: null,
    table: null,
    quotes: [],
    notes: '',
    footnote: '',
    sources: [],
  };
}

describe('deck specs in the builder', () => {
  it('names each kind of section', () => {
    expect(sectionLabel(section())).toBe('Dashboard, the last 30 days with data');
    expect(sectionLabel(section({ from: '2026-11-01', to: '2026-11-30' }))).toBe('Dashboard, 2026-11-01 to 2026-11-30');
    expect(sectionLabel(section({ kind: 'agentReport', agent: 'budget' }))).toBe('Agent report: budget');
    expect(sectionLabel(section({ kind: 'surveyResults', id: 'run-000123456' }))).toBe('Survey results …123456');
  });

  it('moves sections within the list and removes them', () => {
    const three = spec({
      sections: [section(), section({ kind: 'agentReport', agent: 'budget' }), section({ kind: 'agentReport', agent: 'creative' })],
    });
    expect(moveSection(three, 2, -1).sections.map((s) => s.agent)).toEqual([null, 'creative', 'budget']);
    expect(moveSection(three, 0, -1)).toBe(three);
    expect(removeSection(three, 0).sections).toHaveLength(2);
  });

  it('keeps one edit per slide and drops an edit that changes nothing', () => {
    let edited = withEdit(spec(), 'dashboard#2', { title: 'Where the money went' });
    edited = withEdit(edited, 'dashboard#2', { notes: 'Say it early' });
    expect(edited.slides).toEqual([
      { key: 'dashboard#2', title: 'Where the money went', notes: 'Say it early', hidden: false },
    ]);
    edited = withEdit(edited, 'dashboard#2', { title: ' ', notes: '' });
    expect(edited.slides).toEqual([]);
    const hidden = withEdit(spec(), 'dashboard#1', { hidden: true });
    expect(hidden.slides[0].hidden).toBe(true);
    expect(previewSpec(hidden).slides[0].hidden).toBe(false);
  });

  it('moves a slide among its neighbours and writes the whole order', () => {
    const slides = [slide(''), slide('a#1'), slide('a#2'), slide(''), slide('b#1')];
    expect(moveSlide(spec(), slides, 'a#2', -1).slideOrder).toEqual(['a#2', 'a#1', 'b#1']);
    // Not across the deck's own slides (a part's divider).
    expect(moveSlide(spec(), slides, 'a#2', 1).slideOrder).toEqual([]);
    expect(moveSlide(spec(), slides, 'a#1', -1).slideOrder).toEqual([]);
  });
});
