import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { backend } from '../../ipc/backend';
import type { DeckSectionView, DeckSpecView } from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';

export function useDeckTemplate(workspaceId: string) {
  return useQuery({
    queryKey: queryKeys.deckTemplate(workspaceId),
    queryFn: () => backend.getDeckTemplate(workspaceId),
  });
}

/** The slides of `spec` as they would be built now; the last preview stays while the next loads. */
export function useDeckPreview(workspaceId: string, spec: DeckSpecView | null) {
  return useQuery({
    queryKey: queryKeys.deckPreview(workspaceId, spec),
    queryFn: () => backend.previewDeck(workspaceId, spec as DeckSpecView),
    enabled: spec !== null && spec.sections.length > 0 && spec.title.trim() !== '',
    placeholderData: keepPreviousData,
    retry: false,
  });
}

export function useDeckFiles(workspaceId: string) {
  return useQuery({
    queryKey: queryKeys.deckFiles(workspaceId),
    queryFn: () => backend.listDeckFiles(workspaceId),
  });
}

export function useDeckTheme(workspaceId: string) {
  return useQuery({
    queryKey: queryKeys.deckTheme(workspaceId),
    queryFn: () => backend.getDeckTheme(workspaceId),
  });
}

export function useDeckDeliveries(workspaceId: string) {
  return useQuery({
    queryKey: queryKeys.deckDeliveries(workspaceId),
    queryFn: () => backend.listDeckDeliveries(workspaceId),
  });
}

/** Where the builder keeps the person's deck between visits, per workspace. */
function storageKey(workspaceId: string): string {
  return `profitwheel.deckSpec.${workspaceId}`;
}

export function readSavedSpec(workspaceId: string): DeckSpecView | null {
  try {
    const text = window.localStorage.getItem(storageKey(workspaceId));
    return text === null ? null : (JSON.parse(text) as DeckSpecView);
  } catch {
    // A spec from an older build, or storage refused: start from the template.
    return null;
  }
}

export function saveSpec(workspaceId: string, spec: DeckSpecView | null): void {
  try {
    if (spec === null) window.localStorage.removeItem(storageKey(workspaceId));
    else window.localStorage.setItem(storageKey(workspaceId), JSON.stringify(spec));
  } catch {
    // Storage full or refused: the deck still builds; it is only not remembered.
  }
}

/**
 * Adds a section to the deck the builder keeps for the workspace (the template, when the
 * builder has not been opened yet), from a screen that shows the result: a crosstab picked on
 * the run's screen. A section already in the deck is not added twice. Resolves with whether
 * it was added.
 */
export async function addToSavedDeck(workspaceId: string, section: DeckSectionView): Promise<boolean> {
  const spec = readSavedSpec(workspaceId) ?? (await backend.getDeckTemplate(workspaceId));
  if (spec.sections.some((s) => s.key === section.key)) return false;
  saveSpec(workspaceId, { ...spec, sections: [...spec.sections, section] });
  return true;
}
