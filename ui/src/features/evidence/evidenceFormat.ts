// Wording and numbers of the evidence screens, kept apart from React so they are testable.
import { PLATFORMS, platformName } from '../../platforms';
import { defaultLocale } from '../../format';
import type {
  AudienceView,
  EvidenceRowView,
  SignalKindView,
  SignalView,
  SupportUnitView,
} from '../../ipc/backend';

export const SIGNAL_KIND_LABELS: Record<SignalKindView, string> = {
  behavior: 'Behavior',
  intent: 'Intent',
  mentionTheme: 'Mention themes',
};

export const SIGNAL_KINDS: readonly SignalKindView[] = ['behavior', 'intent', 'mentionTheme'];

function compact(n: number): string {
  return new Intl.NumberFormat(defaultLocale(), {
    notation: 'compact',
    maximumFractionDigits: 1,
  }).format(n);
}

function whole(n: number): string {
  return new Intl.NumberFormat(defaultLocale(), { maximumFractionDigits: 0 }).format(n);
}

/** "8.4M–9.9M people", "9.9M people", or null when the platform gave no size. */
export function formatAudienceSize(a: Pick<AudienceView, 'sizeLower' | 'sizeUpper'>): string | null {
  const { sizeLower: low, sizeUpper: high } = a;
  if (low !== null && high !== null && low !== high) return `${compact(low)}–${compact(high)} people`;
  const one = low ?? high;
  return one === null ? null : `${compact(one)} people`;
}

/** A rate or share: "2.3%", "0.15%", "47%". */
export function formatRate(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const percent = Math.abs(value * 100);
  const digits = percent === 0 ? 0 : percent < 1 ? 2 : percent < 10 ? 1 : 0;
  return new Intl.NumberFormat(defaultLocale(), {
    style: 'percent',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
}

/** "q < 0.001", "q = 0.015". */
export function formatQValue(q: number): string {
  return q < 0.001 ? 'q < 0.001' : `q = ${q.toFixed(3)}`;
}

export function formatStrength(strength: number | null): string {
  return strength === null || !Number.isFinite(strength) ? '—' : strength.toFixed(2);
}

/** Each unit a signal's support counts, as one and as many. */
const SUPPORT_UNIT_WORDS: Record<SupportUnitView, readonly [string, string]> = {
  impressions: ['impression', 'impressions'],
  clicks: ['click', 'clicks'],
  searches: ['search', 'searches'],
  customers: ['customer', 'customers'],
  mentions: ['mention', 'mentions'],
  rows: ['row', 'rows'],
};

/**
 * How much a signal rests on, in the unit a person counts: "43 of 240 mentions",
 * "48,210 of 80,350 impressions", "1 row". The backend counts it; the row count stands in
 * when it has no count to give.
 */
export function formatSupport(signal: SignalView): string {
  const { count, total, unit } = signal.support;
  if (count === null) {
    const rows = signal.supportRows;
    return `${whole(rows)} ${rows === 1 ? 'row' : 'rows'}`;
  }
  const [one, many] = SUPPORT_UNIT_WORDS[unit];
  if (total !== null) return `${whole(count)} of ${whole(total)} ${total === 1 ? one : many}`;
  return `${whole(count)} ${count === 1 ? one : many}`;
}

/** Segment rows first, then the baseline they are compared with; each keeps its order. */
export function orderEvidenceRows(rows: readonly EvidenceRowView[]): EvidenceRowView[] {
  return [...rows.filter((r) => r.inSegment), ...rows.filter((r) => !r.inSegment)];
}

/**
 * Signals grouped by kind, in the order the screen shows the groups; in each, the audience's
 * own signals come before the workspace-wide ones, each part in the backend's order.
 */
export function groupSignals(signals: readonly SignalView[]): Map<SignalKindView, SignalView[]> {
  const groups = new Map<SignalKindView, SignalView[]>(SIGNAL_KINDS.map((k) => [k, []]));
  const ordered = [
    ...signals.filter((s) => s.audienceId !== null),
    ...signals.filter((s) => s.audienceId === null),
  ];
  for (const s of ordered) groups.get(s.kind)?.push(s);
  return groups;
}

export const REPORT_KIND_LABELS = {
  behavior: 'Behavior',
  intent: 'Intent',
  mentions: 'Mentions',
} as const;

/** Search kinds in the order of the filter chips. */
export const SEARCH_KINDS = [
  { value: 'mention', label: 'Mentions' },
  { value: 'search_term', label: 'Search terms' },
  { value: 'behavior', label: 'Behaviours' },
  { value: 'creative', label: 'Creatives' },
  { value: 'signal', label: 'Signals' },
  { value: 'report', label: 'Reports' },
] as const;

export function searchKindLabel(kind: string): string {
  return SEARCH_KINDS.find((k) => k.value === kind)?.label.replace(/s$/, '') ?? kind;
}

/** An ad platform's stored name as people write it; any other source (a site) as it is. */
export function platformLabel(stored: string): string {
  // Stored names are snake_case ("google_ads"); the IPC's platforms are camelCase.
  const camel = stored.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const platform = PLATFORMS.find((p) => p === camel);
  return platform ? platformName(platform) : stored;
}

/**
 * A row's figure as the backend wrote it ("7599", "1.0", "Trustpilot"): plain numbers get the
 * locale's grouping and lose a trailing ".0"; anything else is shown as it is.
 */
export function formatFigure(value: string): string {
  if (!/^-?\d+(\.\d+)?$/.test(value)) return value;
  const n = Number(value);
  if (!Number.isFinite(n)) return value;
  return new Intl.NumberFormat(defaultLocale(), { maximumFractionDigits: 4 }).format(n);
}
