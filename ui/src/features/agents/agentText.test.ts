import { describe, expect, it } from 'vitest';
import type { CitationView } from '../../ipc/backend';
import { citationTarget, citedSignalIds, describeArguments, interviewTargets, stepText } from './agentText';

function citation(overrides: Partial<CitationView>): CitationView {
  return {
    id: 'R1',
    tool: 'workspace_metrics',
    text: 'platform | spend\nmeta | $1,200.00',
    kind: 'metricsQuery',
    reference: '{"by":"platform","from":"2026-11-16","until":"2026-11-22","platform":null}',
    label: 'Metrics by platform, 2026-11-16 to 2026-11-22',
    ...overrides,
  };
}

describe('stepText', () => {
  it('says what each step did in words', () => {
    expect(stepText({ kind: 'deciding', step: 1, resultId: null, tool: null, detail: null })).toBe(
      'Reading the question…',
    );
    expect(stepText({ kind: 'deciding', step: 3, resultId: null, tool: null, detail: null })).toBe(
      'Deciding step 3…',
    );
    expect(
      stepText({
        kind: 'calling',
        step: 1,
        resultId: 'R1',
        tool: 'workspace_metrics',
        detail: '{"by":"platform","from":"2026-11-16","platform":null}',
      }),
    ).toBe('Looking at the daily metrics (by platform, from 2026-11-16)');
    expect(
      stepText({ kind: 'result', step: 1, resultId: 'R1', tool: 'workspace_metrics', detail: 'Spend by platform' }),
    ).toBe('R1 Spend by platform');
    expect(
      stepText({ kind: 'toolFailed', step: 2, resultId: 'R2', tool: 'search_evidence', detail: 'the index is being rebuilt' }),
    ).toBe('The evidence could not answer: the index is being rebuilt');
    expect(stepText({ kind: 'corrected', step: 2, resultId: null, tool: 'x', detail: 'unknown tool x' })).toBe(
      'Corrected: unknown tool x',
    );
  });

  it('keeps an unknown tool its own name and ignores arguments that are not JSON', () => {
    expect(stepText({ kind: 'calling', step: 1, resultId: 'R1', tool: 'crosstab', detail: '{oops' })).toBe(
      'Looking at crosstab',
    );
    expect(describeArguments('{"query":"price","limit":5}')).toBe(' (“price”, limit 5)');
  });
});

describe('citationTarget', () => {
  it('opens a metrics query on the dashboard at its days', () => {
    expect(citationTarget('ws1', citation({}))).toEqual({
      path: '/w/ws1/dashboard?from=2026-11-16&to=2026-11-22',
      label: 'Open 2026-11-16 to 2026-11-22 on the dashboard',
    });
    expect(citationTarget('ws1', citation({ reference: 'not json' }))?.path).toBe('/w/ws1/dashboard');
  });

  it('opens a search with its words, and has no page for signals (their rows show inline)', () => {
    expect(citationTarget('ws 1', citation({ kind: 'search', reference: 'oat milk & price' }))?.path).toBe(
      '/w/ws%201/search?q=oat+milk+%26+price',
    );
    const signals = citation({ kind: 'signal', reference: 'sig1, sig2,' });
    expect(citationTarget('ws1', signals)).toBeNull();
    expect(citedSignalIds(signals)).toEqual(['sig1', 'sig2']);
    expect(citedSignalIds(citation({}))).toEqual([]);
  });

  it('opens a statistic over days on the dashboard, and a specialist analysis on the Agents screen', () => {
    const trend = citation({
      kind: 'statistic',
      tool: 'metric_statistics',
      reference: '{"test":"trend","figure":"cpa","from":"2026-11-01","until":"2026-11-28","platform":"meta"}',
    });
    expect(citationTarget('ws1', trend)).toEqual({
      path: '/w/ws1/dashboard?from=2026-11-01&to=2026-11-28',
      label: 'Open 2026-11-01 to 2026-11-28 on the dashboard',
    });
    const scan = citation({
      kind: 'statistic',
      tool: 'anomaly_scan',
      reference: '{"analysis":"anomaly_scan","from":"2026-11-22","until":"2026-11-28"}',
    });
    expect(citationTarget('ws1', scan)).toEqual({ path: '/w/ws1/agents', label: 'Open the agents' });
  });

  it('opens each interview a twin answered in', () => {
    const answers = citation({
      kind: 'twinAnswer',
      tool: 'ask_twins',
      reference: '[{"session":"s-1","twin":"Maya R."},{"session":"s 2","twin":"Leo K."},{"twin":"no session"}]',
    });
    expect(citationTarget('ws1', answers)).toBeNull();
    expect(interviewTargets('ws1', answers)).toEqual([
      { path: '/w/ws1/studies/s-1', label: "Open Maya R.'s interview" },
      { path: '/w/ws1/studies/s%202', label: "Open Leo K.'s interview" },
    ]);
    expect(interviewTargets('ws1', citation({ kind: 'twinAnswer', reference: 'not json' }))).toEqual([]);
    expect(interviewTargets('ws1', citation({ kind: 'search', reference: '[]' }))).toEqual([]);
  });
});
