// Builders for contract types with sensible defaults; tests override only what they assert on.
import type {
  CampaignRow,
  CurrencySection,
  Dashboard,
  JobView,
  Kpi,
  ModelSettingsView,
  ModelSpend,
  PlatformSeries,
  VendorSummary,
  WorkspaceSummary,
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
