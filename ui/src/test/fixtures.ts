// Builders for contract types with sensible defaults; tests override only what they assert on.
import type {
  AudienceView,
  CampaignRow,
  CurrencySection,
  Dashboard,
  JobView,
  Kpi,
  ModelSettingsView,
  ModelSpend,
  PlatformSeries,
  SearchPageView,
  SignalView,
  VendorSummary,
  WorkspaceSummary,
  InsightsView,
  MemoryView,
  ProfileView,
  SessionDetailView,
  SessionSummaryView,
  TurnView,
  TwinSummaryView,
  TwinView,
} from '../ipc/backend';

export function workspace(overrides: Partial<WorkspaceSummary> = {}): WorkspaceSummary {
  return {
    id: 'ws-1',
    name: 'Acme Spring',
    brand: 'Acme Outdoor',
    currency: 'USD',
    timeZone: 'America/New_York',
    isDemo: false,
    createdAt: '2025-01-10T12:00:00Z',
    campaignCount: 3,
    dataRange: { start: '2024-10-01', end: '2024-12-31' },
    defaultModel: null,
    ...overrides,
  };
}

export function job(overrides: Partial<JobView> = {}): JobView {
  return {
    id: 'job-1',
    kind: 'workspace.export',
    title: 'Export Acme Spring',
    lane: 'slow',
    state: 'running',
    priority: 0,
    attempts: 1,
    maxAttempts: 3,
    progress: 0.25,
    progressMessage: 'Writing campaigns',
    error: null,
    workspaceId: 'ws-1',
    createdAt: '2025-01-10T12:00:00Z',
    startedAt: '2025-01-10T12:00:01Z',
    finishedAt: null,
    ...overrides,
  };
}

export function campaign(overrides: Partial<CampaignRow> = {}): CampaignRow {
  return {
    id: 'c-1',
    name: 'Brand Search',
    platform: 'googleAds',
    objective: 'Conversions',
    status: 'active',
    spendMicros: '1000000000',
    impressions: 100_000,
    clicks: 2_000,
    conversions: 50,
    conversionValueMicros: '4000000000',
    ctr: 0.02,
    cpcMicros: '500000',
    cpaMicros: '20000000',
    roas: 4,
    currency: 'USD',
    ...overrides,
  };
}

export const KPIS: Kpi[] = [
  { key: 'spend', unit: 'money', current: { kind: 'money', micros: '12345670000' }, previous: { kind: 'money', micros: '11000000000' }, change: 0.1223 },
  { key: 'impressions', unit: 'count', current: { kind: 'number', value: 1_234_567 }, previous: { kind: 'number', value: 1_300_000 }, change: -0.0503 },
  { key: 'clicks', unit: 'count', current: { kind: 'number', value: 8_765 }, previous: { kind: 'number', value: 8_000 }, change: 0.0956 },
  { key: 'ctr', unit: 'ratio', current: { kind: 'number', value: 0.0071 }, previous: { kind: 'number', value: 0.0062 }, change: 0.1452 },
  { key: 'cpc', unit: 'money', current: { kind: 'money', micros: '1410000' }, previous: { kind: 'money', micros: '1380000' }, change: 0.0217 },
  { key: 'conversions', unit: 'count', current: { kind: 'number', value: 432 }, previous: { kind: 'number', value: 400 }, change: 0.08 },
  { key: 'cpa', unit: 'money', current: { kind: 'money', micros: '28580000' }, previous: { kind: 'money', micros: '27500000' }, change: -0.039 },
  { key: 'roas', unit: 'multiple', current: { kind: 'number', value: 3.2137 }, previous: { kind: 'number', value: 3.5 }, change: null },
];

export function dashboard(overrides: Partial<Dashboard> = {}): Dashboard {
  return {
    workspaceId: 'ws-1',
    currency: 'USD',
    range: { start: '2024-12-02', end: '2024-12-31' },
    previousRange: { start: '2024-11-02', end: '2024-12-01' },
    sections: [section()],
    campaigns: CAMPAIGNS,
    ...overrides,
  };
}

/** The KPIs and series of one currency. */
export function section(overrides: Partial<CurrencySection> = {}): CurrencySection {
  return { currency: 'USD', kpis: KPIS, series: SERIES, ...overrides };
}

const SERIES: PlatformSeries[] = [
  {
    platform: 'meta',
    points: [
      { date: '2024-12-30', spendMicros: '100000000', impressions: 10_000, clicks: 100, conversions: 5, conversionValueMicros: '300000000' },
      { date: '2024-12-31', spendMicros: '120000000', impressions: 11_000, clicks: 110, conversions: 6, conversionValueMicros: '350000000' },
    ],
  },
  {
    platform: 'googleAds',
    points: [
      { date: '2024-12-30', spendMicros: '80000000', impressions: 8_000, clicks: 90, conversions: 4, conversionValueMicros: '250000000' },
      { date: '2024-12-31', spendMicros: '90000000', impressions: 8_500, clicks: 95, conversions: 4, conversionValueMicros: '260000000' },
    ],
  },
];

const CAMPAIGNS: CampaignRow[] = [
  campaign({ id: 'c-1', name: 'Brand Search', platform: 'googleAds', spendMicros: '2500000000' }),
  campaign({ id: 'c-2', name: 'Prospecting Video', platform: 'meta', spendMicros: '9000000000' }),
  campaign({ id: 'c-3', name: 'Retargeting Carousel', platform: 'meta', spendMicros: '500000000', roas: null }),
];

export function modelSpend(overrides: Partial<ModelSpend> = {}): ModelSpend {
  return {
    totalMicros: '0',
    calls: 0,
    unpricedCalls: 0,
    cacheHits: 0,
    failedCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    byDay: [],
    byModel: [],
    byStudy: [],
    ...overrides,
  };
}

export function vendor(overrides: Partial<VendorSummary> = {}): VendorSummary {
  return {
    name: 'openai',
    kind: 'openAi',
    label: 'OpenAI',
    baseUrl: 'https://api.openai.com/v1',
    keyConfigured: false,
    needsKey: true,
    requestsPerMinute: null,
    tokensPerMinute: null,
    maxConcurrency: null,
    ...overrides,
  };
}

export function modelSettings(overrides: Partial<ModelSettingsView> = {}): ModelSettingsView {
  return {
    offline: false,
    vendors: [],
    tasks: (['twinDialogue', 'moderation', 'analysis', 'extraction', 'embeddings'] as const).map(
      (task) => ({ task, chain: [] }),
    ),
    localChatModel: {
      name: 'SmolLM2-135M-Instruct (Q4_1)',
      path: '/m/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
      present: true,
    },
    localEmbeddingModel: { name: 'all-MiniLM-L6-v2', path: '/m/minilm', present: true },
    localModelFiles: ['/m/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf'],
    vendorOptions: [
      { kind: 'openAi', label: 'OpenAI', defaultBaseUrl: 'https://api.openai.com/v1' },
      { kind: 'openAiCompatible', label: 'OpenAI-compatible server', defaultBaseUrl: null },
    ],
    ...overrides,
  };
}

export function audience(overrides: Partial<AudienceView> = {}): AudienceView {
  return {
    id: 'aud-1',
    name: 'Coffee culture 18-34',
    platform: 'tiktok',
    kind: 'interest',
    sizeLower: 8_400_000,
    sizeUpper: 9_900_000,
    interests: ['Coffee', 'Latte art'],
    demographics: { ageMin: 18, ageMax: 34, genders: ['all'], locations: ['US'], languages: ['en'] },
    signals: { behavior: 1, intent: 1, mentionTheme: 1 },
    reports: [],
    ...overrides,
  };
}

export function signal(overrides: Partial<SignalView> = {}): SignalView {
  return {
    id: 'sig-1',
    audienceId: 'aud-1',
    kind: 'behavior',
    key: 'device/mobile/ctr',
    statement:
      'The device Mobile wins with Coffee culture 18-34: a click rate of 1.4% (95% CI 1.3%–1.5%) on 48,210 impressions, 40% above the 1.0% of the rest of the audience\u2019s delivery.',
    strength: 0.4,
    supportRows: 912,
    support: { count: 48_210, total: 80_350, unit: 'impressions' },
    supportShare: 0.6,
    interval: { estimate: 0.014, low: 0.013, high: 0.015 },
    qValue: 0.0004,
    finding: 'segment',
    baseline: 0.01,
    themeName: null,
    namedBy: null,
    weekly: [],
    sentiment: null,
    quotes: [],
    computedAt: '2025-01-10T12:00:00Z',
    ...overrides,
  };
}

export function themeSignal(overrides: Partial<SignalView> = {}): SignalView {
  return signal({
    id: 'sig-theme',
    kind: 'mentionTheme',
    key: 'theme/abc',
    statement: 'The theme “Late deliveries” covers 18% of mentions (43 of 240, 95% CI 13%–23%).',
    strength: 0.18,
    supportRows: 43,
    support: { count: 43, total: 240, unit: 'mentions' },
    supportShare: 43 / 240,
    interval: { estimate: 0.18, low: 0.13, high: 0.23 },
    qValue: null,
    finding: 'theme',
    baseline: null,
    themeName: 'Late deliveries',
    namedBy: 'keywords',
    weekly: [
      { week: '2024-12-02', mentions: 3 },
      { week: '2024-12-09', mentions: 7 },
    ],
    sentiment: { negative: 20, neutral: 10, positive: 12, unknown: 1 },
    quotes: [
      { id: 'q1', text: 'My order sat for a week.', occurredOn: '2024-12-03' },
      { id: 'q2', text: 'Shipping took forever.', occurredOn: '2024-12-05' },
      { id: 'q3', text: 'Arrived late again.', occurredOn: '2024-12-09' },
    ],
    ...overrides,
  });
}

export function searchPage(overrides: Partial<SearchPageView> = {}): SearchPageView {
  return {
    rebuilding: false,
    rebuildingReason: null,
    total: 1,
    hits: [
      {
        kind: 'mention',
        id: 'm-1',
        title: 'Reddit r/coffee',
        snippet: [
          { text: 'Free ', matched: false },
          { text: 'shipping', matched: true },
          { text: ' made me try it', matched: false },
        ],
        day: '2024-12-03',
        score: 3.2,
      },
    ],
    facets: [
      { field: 'kind', values: [{ value: 'mention', label: 'mention', count: 1 }] },
      { field: 'platform', values: [{ value: 'meta', label: 'meta', count: 1 }] },
      { field: 'audience', values: [{ value: 'aud-1', label: 'Coffee culture 18-34', count: 1 }] },
      { field: 'sentiment', values: [{ value: 'positive', label: 'positive', count: 1 }] },
    ],
    histogram: [
      { from: '2024-12-02', count: 1 },
      { from: '2024-12-09', count: 0 },
    ],
    ...overrides,
  };
}

export function twinSummary(overrides: Partial<TwinSummaryView> = {}): TwinSummaryView {
  return {
    id: 'twin-1',
    audienceId: 'aud-1',
    audienceName: 'Coffee culture 18-34',
    name: 'Maya Torres',
    summary: 'A barista-turned-designer who buys beans by origin and distrusts gift sets.',
    age: 29,
    gender: 'female',
    occupation: 'Graphic designer',
    version: 3,
    memories: 2,
    createdAt: '2025-01-10T12:00:00Z',
    ...overrides,
  };
}

export function profile(overrides: Partial<ProfileView> = {}): ProfileView {
  return {
    summary: 'A barista-turned-designer who buys beans by origin and distrusts gift sets.',
    demographics: { age: 29, gender: 'female', location: 'Portland, OR', occupation: 'Graphic designer' },
    psychographics: ['Values craft over convenience'],
    goals: ['Find a roaster she can trust'],
    painPoints: ['Stale beans in pretty boxes'],
    mediaHabits: ['Instagram reels in the evening'],
    brandRelationship: 'Has bought Halcyon twice, on sale.',
    objections: ['Gift boxes cost too much for what is in them'],
    voice: { vocabulary: ['honestly', 'single-origin'], typicalWords: 40, register: 'casual' },
    ...overrides,
  };
}

export function memory(overrides: Partial<MemoryView> = {}): MemoryView {
  return {
    id: 'mem-1',
    twinId: 'twin-1',
    kind: 'grounding',
    fragment: 'mention',
    content: 'Complained that her holiday order arrived late.',
    importance: 8,
    seq: 1,
    version: 1,
    writtenBy: 'evidence',
    evidence: [
      {
        source: 'signal',
        table: null,
        key: 'sig-theme',
        snapshot: 'Late deliveries: 43 mentions (18%), mostly negative.',
      },
      {
        source: 'row',
        table: 'mentions',
        key: 'm-77',
        snapshot: 'my gift box showed up on the 28th, great coffee but what a letdown',
      },
    ],
    createdAt: '2025-01-10T12:00:00Z',
    ...overrides,
  };
}

export function twin(overrides: Partial<TwinView> = {}): TwinView {
  return {
    summary: twinSummary(),
    profile: profile(),
    casting: ['sig-theme', 'sig-1'],
    seed: '42',
    writtenBy: 'local/SmolLM2-135M-Instruct',
    memories: [
      memory(),
      memory({ id: 'mem-2', fragment: 'note', content: 'Prefers light roasts.', importance: 4, seq: 2, writtenBy: 'user', evidence: [] }),
    ],
    ...overrides,
  };
}

export function sessionSummary(overrides: Partial<SessionSummaryView> = {}): SessionSummaryView {
  return {
    id: 'ses-1',
    studyId: 'study-1',
    workspaceId: 'ws-1',
    title: 'Holiday gift box',
    kind: 'focus_group',
    status: 'running',
    pausedReason: null,
    failure: null,
    section: 1,
    guide: 'title = "Holiday gift box"',
    seed: '7',
    participants: [
      { twinId: 'twin-1', name: 'Maya Torres' },
      { twinId: 'twin-2', name: 'Dev Patel' },
    ],
    createdAt: '2025-01-10T12:00:00Z',
    finishedAt: null,
    ...overrides,
  };
}

export function turn(overrides: Partial<TurnView> = {}): TurnView {
  return {
    id: 'turn-1',
    seq: 1,
    speaker: 'moderator',
    twinId: null,
    twinName: null,
    says: 'What is the first thing you notice?',
    thinks: null,
    section: 0,
    question: 0,
    act: 'question',
    words: 7,
    stance: null,
    adherence: 'unchecked',
    rejected: null,
    catchReason: null,
    writtenBy: 'local/SmolLM2-135M-Instruct',
    recalled: [],
    ...overrides,
  };
}

export function sessionDetail(overrides: Partial<SessionDetailView> = {}): SessionDetailView {
  return {
    session: sessionSummary(),
    manifest: {
      plannedModels: [{ name: 'twin_dialogue', value: 'local/SmolLM2-135M-Instruct.Q4_1' }],
      answeredBy: [{ purpose: 'reply', models: ['local/SmolLM2-135M-Instruct.Q4_1'] }],
      promptVersions: [{ name: 'twin_turn', value: 'twin-turn/1' }],
      temperatures: [{ name: 'twin_turn', value: '0.7' }],
      json: '{"seed": 7}',
    },
    turns: [turn()],
    diagnostics: {
      participants: [
        { twinId: 'twin-1', name: 'Maya Torres', turns: 3, words: 120, turnShare: 0.75, wordShare: 0.7, stanceChanges: 1, changesTowardMajority: 1 },
        { twinId: 'twin-2', name: 'Dev Patel', turns: 1, words: 50, turnShare: 0.25, wordShare: 0.3, stanceChanges: 1, changesTowardMajority: 0 },
      ],
      participantTurns: 4,
      moderatorTurns: 3,
      wordGini: 0.31,
      medianTurnWords: 38,
      stanceChanges: 2,
      changesTowardMajority: 1,
      herdingRate: 0.5,
    },
    agreement: { observed: 1, observedLow: 0.44, observedHigh: 1, pairs: 3, expected: 0.38, expectedMentions: 120, evidenceOverlap: 0.2, beyondEvidence: true },
    adherence: { passed: 3, caught: 1, unchecked: 0, nonResponses: 0 },
    gaps: [],
    sections: ['Warm-up', 'Reactions', 'Price'],
    estimatedCostMicros: '0',
    ...overrides,
  };
}

export function insights(overrides: Partial<InsightsView> = {}): InsightsView {
  const quote = { turnId: 'turn-2', seq: 2, speaker: 'Maya Torres', says: 'Honestly the box looks lovely.' };
  return {
    id: 'ins-1',
    sessionId: 'ses-1',
    version: 1,
    writtenBy: 'local/SmolLM2-135M-Instruct',
    itemsChecked: 6,
    itemsDropped: 2,
    createdAt: '2025-01-10T12:00:00Z',
    themes: [{ title: 'Looks sell the box', summary: 'The packaging won people over first.', quotes: [quote] }],
    agreements: [{ text: 'Everyone liked the packaging.', quotes: [quote] }],
    disagreements: [
      { text: 'Price split the group.', quotes: [{ turnId: 'turn-4', seq: 4, speaker: 'Dev Patel', says: 'Forty dollars is a lot.' }] },
    ],
    actions: [{ text: 'Test a smaller, cheaper box.', quotes: [quote] }],
    gaps: [
      { quote: { turnId: 'turn-4', seq: 4, speaker: 'Dev Patel', says: 'Forty dollars is a lot.' }, thinks: 'I would never pay that.', reservations: ['never'] },
    ],
    ...overrides,
  };
}
