// Display formatting for ad metrics. All functions accept null because the backend sends
// null for ratios with a zero denominator (e.g. CPA with no conversions) and for changes
// with no previous period; those render as an em dash rather than "NaN" or "Infinity".
import type { Kpi, KpiKey } from './ipc/backend';

export const MISSING = '—';
const MICROS_PER_UNIT = 1_000_000;

// Intl formatters are comparatively expensive to build and these run for every table cell.
const cache = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string | undefined, options: Intl.NumberFormatOptions) {
  const key = `${locale ?? ''}|${JSON.stringify(options)}`;
  let nf = cache.get(key);
  if (!nf) {
    nf = new Intl.NumberFormat(locale, options);
    cache.set(key, nf);
  }
  return nf;
}

/** The user's UI locale; undefined lets Intl use the runtime default. */
/**
 * The person's locale, when it is one Intl accepts. A Linux session without LANG reports the
 * POSIX locale "C", which Intl rejects with a RangeError (and whose engine default formats
 * "$ 0.97"); fall back to US English then.
 */
export function defaultLocale(): string {
  const language = typeof navigator !== 'undefined' ? navigator.language : undefined;
  try {
    return (language && Intl.getCanonicalLocales(language)[0]) || FALLBACK_LOCALE;
  } catch {
    return FALLBACK_LOCALE;
  }
}

const FALLBACK_LOCALE = 'en-US';

function isPresent(value: number | null | undefined): value is number {
  return value !== null && value !== undefined && Number.isFinite(value);
}

export function microsToUnits(micros: number): number {
  return micros / MICROS_PER_UNIT;
}

export interface MoneyOptions {
  /** Abbreviate large amounts ("$1.2M") — for tiles and axes, not for tables. */
  compact?: boolean;
  /**
   * With `compact`, the amount (in currency units) from which to abbreviate. Tiles keep
   * exact amounts below 100k; chart axes abbreviate everything to stay narrow.
   */
  compactFrom?: number;
  locale?: string;
}

/** Formats a currency amount given in micros (1 USD = 1_000_000). */
export function formatMoneyMicros(
  micros: number | null | undefined,
  currency: string,
  { compact = false, compactFrom = 100_000, locale = defaultLocale() }: MoneyOptions = {},
): string {
  if (!isPresent(micros)) return MISSING;
  const units = microsToUnits(micros);
  // Compact only pays off once there are more digits than a glance can take in.
  const useCompact = compact && Math.abs(units) >= compactFrom;
  return numberFormat(locale, {
    style: 'currency',
    currency,
    ...(useCompact
      ? { notation: 'compact', minimumFractionDigits: 0, maximumFractionDigits: 2 }
      : { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  }).format(units);
}

/** Whole counts; large ones are abbreviated ("1.2M") unless `compact` is false. */
export function formatCount(
  value: number | null | undefined,
  { compact = true, locale = defaultLocale() }: { compact?: boolean; locale?: string } = {},
): string {
  if (!isPresent(value)) return MISSING;
  if (compact && Math.abs(value) >= 10_000) {
    return numberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(value);
  }
  return numberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

/** A fraction as a percentage: 0.0123 -> "1.23%". */
export function formatPercent(
  ratio: number | null | undefined,
  { locale = defaultLocale(), digits = 2 }: { locale?: string; digits?: number } = {},
): string {
  if (!isPresent(ratio)) return MISSING;
  return numberFormat(locale, {
    style: 'percent',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(ratio);
}

/** A multiple such as ROAS: 3.2137 -> "3.21×". */
export function formatMultiple(
  value: number | null | undefined,
  { locale = defaultLocale() }: { locale?: string } = {},
): string {
  if (!isPresent(value)) return MISSING;
  const n = numberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${n.format(value)}×`;
}

/** Formats a KPI's current (or previous) value according to its unit. */
export function formatKpiValue(
  kpi: Pick<Kpi, 'unit'>,
  value: number | null | undefined,
  currency: string,
  locale: string | undefined = defaultLocale(),
): string {
  switch (kpi.unit) {
    case 'money':
      return formatMoneyMicros(value, currency, { compact: true, locale });
    case 'count':
      return formatCount(value, { locale });
    case 'ratio':
      return formatPercent(value, { locale });
    case 'multiple':
      return formatMultiple(value, { locale });
  }
}

export type ChangeDirection = 'up' | 'down' | 'flat';
export type ChangeTone = 'good' | 'bad' | 'neutral';

/**
 * Below this relative change we call it flat: it would display as "0.0%" anyway, and
 * colouring noise red or green suggests a trend that isn't there.
 */
const FLAT_THRESHOLD = 0.0005;

export function changeDirection(change: number | null | undefined): ChangeDirection | null {
  if (!isPresent(change)) return null;
  if (Math.abs(change) < FLAT_THRESHOLD) return 'flat';
  return change > 0 ? 'up' : 'down';
}

/** Cost-per-result metrics improve when they fall. */
const LOWER_IS_BETTER: ReadonlySet<KpiKey> = new Set<KpiKey>(['cpc', 'cpa']);

export function isLowerBetter(key: KpiKey): boolean {
  return LOWER_IS_BETTER.has(key);
}

/** Spending more is neither good nor bad news on its own: it depends on what it bought. */
const DIRECTIONLESS: ReadonlySet<KpiKey> = new Set<KpiKey>(['spend']);

/** Whether a change of this KPI is good news, bad news, or neither. */
export function changeTone(key: KpiKey, change: number | null | undefined): ChangeTone {
  const direction = changeDirection(change);
  if (direction === null || direction === 'flat' || DIRECTIONLESS.has(key)) return 'neutral';
  const improved = direction === (isLowerBetter(key) ? 'down' : 'up');
  return improved ? 'good' : 'bad';
}

/** Relative change with explicit sign: 0.123 -> "+12.3%", -0.045 -> "−4.5%". */
export function formatChange(
  change: number | null | undefined,
  { locale = defaultLocale() }: { locale?: string } = {},
): string {
  if (!isPresent(change)) return MISSING;
  if (changeDirection(change) === 'flat') return '0.0%';
  const magnitude = numberFormat(locale, {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(Math.abs(change));
  // U+2212 minus: same width as "+", so tiles don't jiggle between periods.
  return `${change > 0 ? '+' : '\u2212'}${magnitude}`;
}

/** "2024-03-01" -> "Mar 1, 2024" without letting the local time zone shift the day. */
export function formatDate(
  isoDate: string,
  { locale = defaultLocale(), withYear = true }: { locale?: string; withYear?: boolean } = {},
): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  if (!y || !m || !d) return isoDate;
  return new Intl.DateTimeFormat(locale, {
    timeZone: 'UTC',
    month: 'short',
    day: 'numeric',
    ...(withYear ? { year: 'numeric' } : {}),
  }).format(new Date(Date.UTC(y, m - 1, d)));
}

export function formatDateRange(
  range: { start: string; end: string },
  locale: string | undefined = defaultLocale(),
): string {
  return `${formatDate(range.start, { locale })} – ${formatDate(range.end, { locale })}`;
}

/** Relative time for job timestamps: "just now", "5 min ago", "3 h ago", else a date. */
export function formatRelativeTime(
  rfc3339: string,
  now: Date = new Date(),
  locale: string | undefined = defaultLocale(),
): string {
  const then = new Date(rfc3339);
  const seconds = Math.round((now.getTime() - then.getTime()) / 1000);
  if (!Number.isFinite(seconds)) return rfc3339;
  if (seconds < 45) return 'just now';
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' });
  if (seconds < 3600) return rtf.format(-Math.round(seconds / 60), 'minute');
  if (seconds < 86_400) return rtf.format(-Math.round(seconds / 3600), 'hour');
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(then);
}
