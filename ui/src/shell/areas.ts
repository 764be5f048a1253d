// The areas of the app, in navigation order. An area is `built` once it has a real screen;
// until then the navigation shows it as coming and the router has no route for it, so an
// unfinished area can never pass for a working one.

export type AreaId =
  | 'dashboard'
  | 'audiences'
  | 'search'
  | 'twins'
  | 'studies'
  | 'surveys'
  | 'connections'
  | 'agents'
  | 'decks'
  | 'models';

export interface Area {
  id: AreaId;
  label: string;
  /** `workspace` areas live under a workspace's address; `app` areas are the same for all. */
  scope: 'workspace' | 'app';
  built: boolean;
}

export const AREAS: readonly Area[] = [
  { id: 'dashboard', label: 'Dashboard', scope: 'workspace', built: true },
  { id: 'audiences', label: 'Audiences', scope: 'workspace', built: true },
  { id: 'search', label: 'Search', scope: 'workspace', built: true },
  { id: 'twins', label: 'Twins', scope: 'workspace', built: true },
  { id: 'studies', label: 'Studies', scope: 'workspace', built: true },
  { id: 'surveys', label: 'Surveys', scope: 'workspace', built: true },
  { id: 'connections', label: 'Connections', scope: 'workspace', built: true },
  { id: 'agents', label: 'Agents', scope: 'workspace', built: true },
  { id: 'decks', label: 'Decks', scope: 'workspace', built: true },
  { id: 'models', label: 'Models & keys', scope: 'app', built: true },
];

/** Where the app opens: it picks a workspace, or explains how to make one. */
export const START_PATH = '/';

/** Route pattern of everything inside one workspace. */
export const WORKSPACE_ROUTE = 'w/:workspaceId';

export function workspaceAreaPath(workspaceId: string, area: AreaId = 'dashboard'): string {
  return `/w/${encodeURIComponent(workspaceId)}/${area}`;
}

/**
 * Where an area's navigation entry leads. A workspace area with no workspace chosen yet
 * leads to the start page, which is where one gets chosen.
 */
export function areaPath(area: Area, workspaceId: string | null): string {
  if (area.scope === 'app') return `/${area.id}`;
  return workspaceId === null ? START_PATH : workspaceAreaPath(workspaceId, area.id);
}
