// Words and links for agent runs: each step as a line a marketer can follow, and where each
// citation's source opens in the app. Pure, so it is tested without a window.
import type { AgentStepView, CitationView, SourceKindView } from '../../ipc/backend';
import { workspaceAreaPath } from '../../shell/areas';

/** What the tools are called in words (a tool the list does not know keeps its own name). */
const TOOL_NAMES: Record<string, string> = {
  workspace_metrics: 'the daily metrics',
  search_evidence: 'the evidence',
  read_more: 'the rest of a long result',
  audience_signals: 'the audience signals',
  budget_plan: 'the budget curves',
  creative_performance: 'the creatives’ click and conversion rates',
  anomaly_scan: 'the last week against its usual weeks',
  audience_report: 'the audiences’ performance and signals',
  web_search: 'the web',
  metric_statistics: 'the statistics of a daily figure',
  survey_results: 'the survey results',
  study_insights: 'the focus-group insights',
};

export function toolName(tool: string | null): string {
  if (tool === null) return 'a tool';
  return TOOL_NAMES[tool] ?? tool;
}

/** One step, in words. */
export function stepText(step: AgentStepView): string {
  switch (step.kind) {
    case 'deciding':
      return step.step === 1 ? 'Reading the question…' : `Deciding step ${step.step}…`;
    case 'calling':
      return `Looking at ${toolName(step.tool)}${describeArguments(step.detail)}`;
    case 'result':
      return `${step.resultId ?? ''} ${step.detail ?? ''}`.trim();
    case 'toolFailed':
      return `${capitalise(toolName(step.tool))} could not answer: ${step.detail ?? 'no reason given'}`;
    case 'corrected':
      return `Corrected: ${step.detail ?? ''}`.trim();
  }
}

/** A call's arguments as a short phrase ("by platform, 2026-11-16 to 2026-11-22"). */
export function describeArguments(json: string | null): string {
  if (json === null) return '';
  let args: unknown;
  try {
    args = JSON.parse(json);
  } catch {
    return '';
  }
  if (typeof args !== 'object' || args === null) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(args as Record<string, unknown>)) {
    if (value === null || value === undefined || value === '') continue;
    if (key === 'by') parts.push(`by ${String(value)}`);
    else if (key === 'query') parts.push(`“${String(value)}”`);
    else if (key === 'from') parts.push(`from ${String(value)}`);
    else if (key === 'until') parts.push(`until ${String(value)}`);
    else if (typeof value !== 'object') parts.push(`${key} ${String(value)}`);
  }
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

const KIND_WORDS: Record<SourceKindView, string> = {
  metricsQuery: 'Metrics query',
  search: 'Evidence search',
  signal: 'Audience signals',
  report: 'Grounding report',
  twinAnswer: 'Twin answer',
  surveyResult: 'Survey result',
  sessionInsight: 'Session insight',
  web: 'Web search',
  census: 'Census table',
  statistic: 'Analysis',
};

export function sourceKindText(kind: SourceKindView): string {
  return KIND_WORDS[kind];
}

/** Where a citation's source opens in the app, with the words for the link; `null` when the
 * cited result itself is all there is to show. */
export function citationTarget(
  workspaceId: string,
  citation: CitationView,
): { path: string; label: string } | null {
  switch (citation.kind) {
    case 'metricsQuery': {
      const query = parseObject(citation.reference);
      const params = new URLSearchParams();
      const from = typeof query?.from === 'string' ? query.from : null;
      const until = typeof query?.until === 'string' ? query.until : null;
      if (from && until) {
        params.set('from', from);
        params.set('to', until);
      }
      const search = params.toString();
      return {
        path: `${workspaceAreaPath(workspaceId, 'dashboard')}${search ? `?${search}` : ''}`,
        label: from && until ? `Open ${from} to ${until} on the dashboard` : 'Open the dashboard',
      };
    }
    case 'search':
      return {
        path: `${workspaceAreaPath(workspaceId, 'search')}?${new URLSearchParams({ q: citation.reference }).toString()}`,
        label: `Search the evidence for “${citation.reference}”`,
      };
    case 'statistic': {
      // A statistic over a daily figure names its days; a specialist's analysis does not
      // open anywhere but the Agents screen, where its reports are.
      const query = parseObject(citation.reference);
      const from = typeof query?.from === 'string' ? query.from : null;
      const until = typeof query?.until === 'string' ? query.until : null;
      if (typeof query?.test === 'string' && from && until) {
        return {
          path: `${workspaceAreaPath(workspaceId, 'dashboard')}?${new URLSearchParams({ from, to: until }).toString()}`,
          label: `Open ${from} to ${until} on the dashboard`,
        };
      }
      return { path: workspaceAreaPath(workspaceId, 'agents'), label: 'Open the agents' };
    }
    default:
      return null;
  }
}

/** The interviews a twin-answer citation rests on, one link per twin that answered. */
export function interviewTargets(
  workspaceId: string,
  citation: CitationView,
): { path: string; label: string }[] {
  if (citation.kind !== 'twinAnswer') return [];
  let listed: unknown;
  try {
    listed = JSON.parse(citation.reference);
  } catch {
    return [];
  }
  if (!Array.isArray(listed)) return [];
  return listed.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const { session, twin } = entry as { session?: unknown; twin?: unknown };
    if (typeof session !== 'string' || session.length === 0) return [];
    return [
      {
        path: `${workspaceAreaPath(workspaceId, 'studies')}/${encodeURIComponent(session)}`,
        label: typeof twin === 'string' ? `Open ${twin}'s interview` : 'Open the interview',
      },
    ];
  });
}

/** The signal ids a citation names (signals are shown with the rows behind them). */
export function citedSignalIds(citation: CitationView): string[] {
  if (citation.kind !== 'signal') return [];
  return citation.reference
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A request id for a run: unique per window, so steps of two runs never mix. */
export function newRequestId(): string {
  const random =
    typeof crypto !== 'undefined' && 'randomUUID' in crypto
      ? crypto.randomUUID()
      : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  return `run-${random}`;
}
