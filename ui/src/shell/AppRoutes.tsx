import { useCallback } from 'react';
import { Navigate, Route, Routes, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { AgentsScreen } from '../features/agents/AgentsScreen';
import { DecksScreen } from '../features/decks/DecksScreen';
import { ConnectionsScreen } from '../features/connections/ConnectionsScreen';
import { Dashboard } from '../features/dashboard/Dashboard';
import { AudiencesScreen } from '../features/evidence/AudiencesScreen';
import { SearchScreen } from '../features/evidence/SearchScreen';
import { ModelSettings } from '../features/models/ModelSettings';
import { FocusGroupSetup } from '../features/studies/FocusGroupSetup';
import { InsightsScreen } from '../features/studies/InsightsScreen';
import { InterviewSetup } from '../features/studies/InterviewSetup';
import { SessionScreen } from '../features/studies/SessionScreen';
import { StudiesScreen } from '../features/studies/StudiesScreen';
import { RunScreen } from '../features/surveys/RunScreen';
import { SurveyScreen } from '../features/surveys/SurveyScreen';
import { SurveysScreen } from '../features/surveys/SurveysScreen';
import { TwinProfileScreen } from '../features/twins/TwinProfileScreen';
import { TwinsScreen } from '../features/twins/TwinsScreen';
import { forgetWorkspace, refreshWorkspaces } from '../features/workspaces/workspaceQueries';
import { AppShell } from './AppShell';
import { NotFoundPage } from './NotFoundPage';
import { StartPage } from './StartPage';
import { WorkspaceArea } from './WorkspaceArea';
import { WORKSPACE_ROUTE } from './areas';
import { useShellContext, useWorkspaceContext } from './shellContext';

/**
 * Every addressable screen. Only built areas have a route (see areas.ts); any other
 * address, an unbuilt area's included, lands on "Nothing here".
 */
export function AppRoutes() {
  return (
    <Routes>
      <Route element={<AppShell />}>
        <Route index element={<StartPage />} />
        <Route path={WORKSPACE_ROUTE} element={<WorkspaceArea />}>
          <Route index element={<Navigate to="dashboard" replace />} />
          <Route path="dashboard" element={<DashboardScreen />} />
          <Route path="audiences" element={<AudiencesRoute />} />
          <Route path="audiences/:audienceId" element={<AudiencesRoute />} />
          <Route path="search" element={<SearchRoute />} />
          <Route path="twins" element={<TwinsRoute />} />
          <Route path="twins/:twinId" element={<TwinProfileRoute />} />
          <Route path="studies" element={<StudiesRoute />} />
          <Route path="studies/new-focus-group" element={<FocusGroupSetupRoute />} />
          <Route path="studies/new-interview" element={<InterviewSetupRoute />} />
          <Route path="studies/:sessionId" element={<SessionRoute />} />
          <Route path="studies/:sessionId/insights" element={<InsightsRoute />} />
          <Route path="surveys" element={<SurveysRoute />} />
          <Route path="surveys/:surveyId" element={<SurveyRoute />} />
          <Route path="surveys/:surveyId/runs/:runId" element={<RunRoute />} />
          <Route path="connections" element={<ConnectionsRoute />} />
          <Route path="agents" element={<AgentsRoute />} />
          <Route path="decks" element={<DecksRoute />} />
        </Route>
        <Route path="models" element={<ModelsScreen />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function DashboardScreen() {
  const { workspace, jobs, trackJob } = useWorkspaceContext();
  const queryClient = useQueryClient();
  const workspaceId = workspace.id;
  // A link may name the days to show (`?from=…&to=…`, e.g. a copilot citation's query).
  const [params] = useSearchParams();
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const linkedRange = DAY.test(from) && DAY.test(to) && from <= to ? { start: from, end: to } : null;
  // Stable callbacks: the dashboard reports a vanished workspace from an effect.
  const onWorkspaceGone = useCallback(
    () => void forgetWorkspace(queryClient, workspaceId),
    [queryClient, workspaceId],
  );
  const onWorkspaceChanged = useCallback(
    () => void refreshWorkspaces(queryClient),
    [queryClient],
  );
  return (
    <Dashboard
      // A new workspace starts from its default range, not the previous one's; a new link
      // from its days.
      key={linkedRange ? `${workspaceId}/${from}/${to}` : workspaceId}
      workspace={workspace}
      linkedRange={linkedRange}
      jobs={jobs}
      onJobStarted={trackJob}
      onWorkspaceGone={onWorkspaceGone}
      onWorkspaceChanged={onWorkspaceChanged}
    />
  );
}

function ModelsScreen() {
  const { trackJob } = useShellContext();
  return <ModelSettings onJobStarted={trackJob} />;
}

function AudiencesRoute() {
  const { workspace, jobs, trackJob } = useWorkspaceContext();
  return <AudiencesScreen key={workspace.id} workspace={workspace} jobs={jobs} onJobStarted={trackJob} />;
}

function SearchRoute() {
  const { workspace, jobs } = useWorkspaceContext();
  return <SearchScreen key={workspace.id} workspace={workspace} jobs={jobs} />;
}

function TwinsRoute() {
  const { workspace, jobs, trackJob } = useWorkspaceContext();
  return <TwinsScreen key={workspace.id} workspace={workspace} jobs={jobs} onJobStarted={trackJob} />;
}

function TwinProfileRoute() {
  const { workspace } = useWorkspaceContext();
  return <TwinProfileScreen key={workspace.id} workspace={workspace} />;
}

function StudiesRoute() {
  const { workspace } = useWorkspaceContext();
  return <StudiesScreen key={workspace.id} workspace={workspace} />;
}

function FocusGroupSetupRoute() {
  const { workspace } = useWorkspaceContext();
  return <FocusGroupSetup key={workspace.id} workspace={workspace} />;
}

function InterviewSetupRoute() {
  const { workspace } = useWorkspaceContext();
  return <InterviewSetup key={workspace.id} workspace={workspace} />;
}

function SessionRoute() {
  const { workspace, trackJob } = useWorkspaceContext();
  return <SessionScreen key={workspace.id} workspace={workspace} onJobStarted={trackJob} />;
}

function InsightsRoute() {
  const { workspace, jobs, trackJob } = useWorkspaceContext();
  return <InsightsScreen key={workspace.id} workspace={workspace} jobs={jobs} onJobStarted={trackJob} />;
}

function SurveysRoute() {
  const { workspace } = useWorkspaceContext();
  return <SurveysScreen key={workspace.id} workspace={workspace} />;
}

function SurveyRoute() {
  const { workspace, trackJob } = useWorkspaceContext();
  return <SurveyScreen key={workspace.id} workspace={workspace} onJobStarted={trackJob} />;
}

function RunRoute() {
  const { workspace, jobs, trackJob } = useWorkspaceContext();
  return <RunScreen key={workspace.id} workspace={workspace} jobs={jobs} onJobStarted={trackJob} />;
}

function AgentsRoute() {
  const { workspace } = useWorkspaceContext();
  return <AgentsScreen key={workspace.id} workspace={workspace} />;
}

function DecksRoute() {
  const { workspace, trackJob } = useWorkspaceContext();
  return <DecksScreen key={workspace.id} workspace={workspace} onJobStarted={trackJob} />;
}

function ConnectionsRoute() {
  const { workspace } = useWorkspaceContext();
  return <ConnectionsScreen key={workspace.id} workspace={workspace} />;
}
