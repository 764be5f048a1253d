// What the deck builder does to a spec, kept apart from React so it is testable: sections
// moved and removed, slides edited, hidden and reordered. Slides are named by their keys
// (`survey:RUN#chart-1a2b3c4d`: the record, the kind of slide, a digest of what it cites),
// which the engine finds again at every build.
import type { DeckSectionView, DeckSpecView, SlideEditView, SlideView } from '../../ipc/backend';

/** The last characters of an id: enough to tell two records apart in a list. */
function short(id: string | null): string {
  return id === null ? '' : `…${id.slice(-6)}`;
}

/** How a section is named in the builder's list. */
export function sectionLabel(section: DeckSectionView): string {
  switch (section.kind) {
    case 'dashboard':
      return section.from && section.to
        ? `Dashboard, ${section.from} to ${section.to}`
        : 'Dashboard, the last 30 days with data';
    case 'surveyResults':
      return `Survey results ${short(section.id)}${
        section.questions.length > 0 ? ` (${section.questions.join(', ')})` : ''
      }`;
    case 'crosstab':
      return `Crosstab: ${section.question ?? ''} by ${section.dimension ?? ''} ${short(section.id)}`;
    case 'insights':
      return `Session insights ${short(section.id)}`;
    case 'groundingReport':
      return `Grounding report ${short(section.id)}`;
    case 'agentReport':
      return `Agent report: ${section.agent ?? ''}`;
    case 'audienceSignals':
      return `Audience signals ${short(section.id)}`;
    case 'surveyReport':
      return `Survey analysis report ${short(section.id)}`;
    case 'fidelity':
      return `Fidelity against people's answers ${short(section.id)}`;
  }
}

/** The spec with section `index` moved by `delta` places (kept inside the list). */
export function moveSection(spec: DeckSpecView, index: number, delta: number): DeckSpecView {
  const to = index + delta;
  if (to < 0 || to >= spec.sections.length) return spec;
  const sections = [...spec.sections];
  const [moved] = sections.splice(index, 1);
  sections.splice(to, 0, moved);
  return { ...spec, sections };
}

/** The spec with section `index` replaced. */
export function withSection(spec: DeckSpecView, index: number, section: DeckSectionView): DeckSpecView {
  return { ...spec, sections: spec.sections.map((s, i) => (i === index ? section : s)) };
}

export function removeSection(spec: DeckSpecView, index: number): DeckSpecView {
  return { ...spec, sections: spec.sections.filter((_, i) => i !== index) };
}

export function editOf(spec: DeckSpecView, key: string): SlideEditView | undefined {
  return spec.slides.find((e) => e.key === key);
}

/**
 * The spec with the slide's edit changed by `patch`. An edit that changes nothing any more
 * (no title, no notes, shown) is dropped, so a spec never carries empty edits.
 */
export function withEdit(
  spec: DeckSpecView,
  key: string,
  patch: Partial<Omit<SlideEditView, 'key'>>,
): DeckSpecView {
  const current = editOf(spec, key) ?? { key, title: null, notes: null, hidden: false };
  const next = { ...current, ...patch };
  const blank = (text: string | null) => text === null || text.trim() === '';
  const others = spec.slides.filter((e) => e.key !== key);
  const empty = blank(next.title) && blank(next.notes) && !next.hidden;
  return {
    ...spec,
    slides: empty
      ? others
      : [...others, { ...next, title: blank(next.title) ? null : next.title, notes: blank(next.notes) ? null : next.notes }],
  };
}

/**
 * The spec the builder previews: every slide shown, so a hidden one can be shown again, and no
 * notes (a thumbnail does not draw them, so typing them gathers nothing again).
 */
export function previewSpec(spec: DeckSpecView): DeckSpecView {
  return { ...spec, slides: spec.slides.map((e) => ({ ...e, hidden: false, notes: null })) };
}

/**
 * The spec with the keyed slide moved one place up (`-1`) or down (`+1`) among the keyed
 * slides next to it in the preview (one part of the deck: findings, verbatims or
 * recommendations). The order is written out whole, so the file shows what the builder did.
 */
export function moveSlide(spec: DeckSpecView, slides: readonly SlideView[], key: string, delta: -1 | 1): DeckSpecView {
  const at = slides.findIndex((s) => s.key === key);
  const to = at + delta;
  if (at < 0 || to < 0 || to >= slides.length || slides[to].key === '') return spec;
  const order = slides.map((s) => s.key);
  [order[at], order[to]] = [order[to], order[at]];
  return { ...spec, slideOrder: order.filter((k) => k !== '') };
}
