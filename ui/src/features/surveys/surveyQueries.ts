import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { backend } from '../../ipc/backend';
import type {
  ImportHumanInput,
  JobView,
  StartSurveyRunInput,
  SurveyRunView,
} from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';

export function surveysPath(workspaceId: string, surveyId?: string, runId?: string): string {
  let path = `/w/${encodeURIComponent(workspaceId)}/surveys`;
  if (surveyId) path += `/${encodeURIComponent(surveyId)}`;
  if (runId) path += `/runs/${encodeURIComponent(runId)}`;
  return path;
}

export function useSurveys(workspaceId: string) {
  return useQuery({
    queryKey: queryKeys.surveys(workspaceId),
    queryFn: () => backend.listSurveys(workspaceId),
  });
}

export function useSurvey(surveyId: string) {
  return useQuery({
    queryKey: queryKeys.survey(surveyId),
    queryFn: () => backend.getSurvey(surveyId),
  });
}

/** Which questions a respondent giving these answers sees. */
export function useSurveyPreview(surveyId: string, version: number, answers: Record<string, string>) {
  return useQuery({
    queryKey: [...queryKeys.surveyPreview(surveyId, answers), version],
    queryFn: () =>
      backend.previewSurvey({
        surveyId,
        answers: Object.entries(answers).map(([questionId, value]) => ({ questionId, value })),
      }),
  });
}

export function useImportSurvey(workspaceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (json: string) => backend.importSurvey(workspaceId, json),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.surveys(workspaceId) }),
  });
}

export function useUpdateSurvey(workspaceId: string, surveyId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ version, json }: { version: number; json: string }) =>
      backend.updateSurvey(surveyId, version, json),
    onSuccess: (design) => {
      queryClient.setQueryData(queryKeys.survey(surveyId), design);
      void queryClient.invalidateQueries({ queryKey: queryKeys.surveys(workspaceId) });
    },
  });
}

export function useImportAnes96(workspaceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => backend.importAnes96(workspaceId),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.surveys(workspaceId) }),
  });
}

export function useSurveyRuns(surveyId: string) {
  return useQuery({
    queryKey: queryKeys.surveyRuns(surveyId),
    queryFn: () => backend.listSurveyRuns(surveyId),
  });
}

export function useHumanSets(surveyId: string) {
  return useQuery({
    queryKey: queryKeys.humanSets(surveyId),
    queryFn: () => backend.listHumanSets(surveyId),
  });
}

export function useStartSurveyRun(onStarted: (run: SurveyRunView, job: JobView | null) => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (request: StartSurveyRunInput) => backend.startSurveyRun(request),
    onSuccess: ({ run, job }) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.surveyRuns(run.surveyId) });
      onStarted(run, job);
    },
  });
}

export function useResumeSurveyRun(onStarted: (job: JobView | null) => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (runId: string) => backend.resumeSurveyRun(runId),
    onSuccess: ({ run, job }) => {
      queryClient.setQueryData(queryKeys.surveyRun(run.id), run);
      onStarted(job);
    },
  });
}

export function useSurveyRun(runId: string) {
  return useQuery({
    queryKey: queryKeys.surveyRun(runId),
    queryFn: () => backend.getSurveyRun(runId),
    // While respondents answer, the counts move: read them again now and then.
    refetchInterval: (query) => {
      const status = query.state.data?.status;
      return status === 'queued' || status === 'running' ? 1500 : false;
    },
  });
}

export function useSurveyResults(runId: string, weighted: boolean, temperature: number, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.surveyResults(runId, weighted, temperature),
    queryFn: () => backend.getSurveyResults({ runId, weighted, temperature }),
    enabled,
  });
}

export function useSurveyCrosstab(
  runId: string,
  questionId: string,
  dimension: string,
  weighted: boolean,
) {
  return useQuery({
    queryKey: queryKeys.surveyCrosstab(runId, questionId, dimension, weighted),
    queryFn: () => backend.getSurveyCrosstab({ runId, questionId, dimension, weighted }),
    enabled: questionId !== '' && dimension !== '',
    retry: false,
  });
}

export function useSurveyFidelity(runId: string, humanSetId: string, weighted: boolean, temperature: number) {
  return useQuery({
    queryKey: queryKeys.surveyFidelity(runId, humanSetId, weighted, temperature),
    queryFn: () => backend.getSurveyFidelity({ runId, humanSetId, by: null, weighted, temperature }),
    enabled: humanSetId !== '',
  });
}

export function useImportHumanAnswers(surveyId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (request: ImportHumanInput) => backend.importHumanAnswers(request),
    // People's answers become what the run's diagnostics are held to.
    onSuccess: (_, request) =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.humanSets(surveyId) }),
        queryClient.invalidateQueries({ queryKey: queryKeys.surveyRun(request.runId) }),
      ]),
  });
}

export function useSurveyReport(runId: string) {
  return useQuery({
    queryKey: queryKeys.surveyReport(runId),
    queryFn: () => backend.getSurveyReport(runId),
  });
}

export function useStartSurveyReport(onStarted: (job: JobView) => void) {
  return useMutation({
    mutationFn: ({ runId, weighted, temperature }: { runId: string; weighted: boolean; temperature: number }) =>
      backend.startSurveyReport(runId, weighted, temperature),
    onSuccess: onStarted,
  });
}

export function useExportSurveyReport(runId: string) {
  return useMutation({
    mutationFn: (format: 'markdown' | 'pdf') => backend.exportSurveyReport(runId, format),
  });
}

export function useExportSurveyResults() {
  return useMutation({
    mutationFn: ({
      runId,
      format,
      weighted,
      temperature,
    }: {
      runId: string;
      format: 'csv' | 'xlsx';
      weighted: boolean;
      temperature: number;
    }) => backend.exportSurveyResults(runId, format, weighted, temperature),
  });
}

/** The first line of a CSV file, split as the backend splits it (for picking columns). */
export function csvHeaders(text: string): string[] {
  const first = text.replace(/^\uFEFF/, '').split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const delimiter = [',', '\t', ';'].reduce((best, d) =>
    first.split(d).length > first.split(best).length ? d : best,
  );
  return first
    .split(delimiter)
    .map((h) => h.trim().replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1'))
    .filter((h) => h !== '');
}
