// Display formatting for ad metrics. All functions accept null because the backend sends
// null for ratios with a zero denominator (e.g. CPA with no conversions) and for changes
// with no previous period; those render as an em dash rather than "NaN" or "Infinity".
import type { Kpi, KpiAmount, KpiKey } from './ipc/backend';

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

/**
 * An amount of money in integer micros. The backend sends it as decimal text (`Micros`):
 * a JavaScript number is exact only up to 2^53 micros (9 billion units), which an IDR, KRW or
 * VND agency passes. Tests and chart code may still hand in numbers.
 */
export type MicrosAmount = string | number | bigint;

/** The amount as a BigInt of micros, or null when it is missing or not a whole number. */
export function parseMicros(value: MicrosAmount | null | undefined): bigint | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    return Number.isFinite(value) ? BigInt(Math.round(value)) : null;
  }
  return /^-?\d+$/.test(value.trim()) ? BigInt(value.trim()) : null;
}

/** Currency units as a number: for chart axes and bar lengths, never for the amounts shown. */
export function microsToUnits(micros: MicrosAmount): number {
  const exact = parseMicros(micros);
  if (exact === null) return Number.NaN;
  const whole = exact / MICROS_BIGINT;
  return Number(whole) + Number(exact - whole * MICROS_BIGINT) / MICROS_PER_UNIT;
}

/** Whether an amount is exactly zero (false when it is missing). */
export function isZeroMicros(micros: MicrosAmount | null | undefined): boolean {
  return parseMicros(micros) === 0n;
}

/** Orders two amounts exactly (for sorting tables); missing amounts sort first. */
export function compareMicros(
  a: MicrosAmount | null | undefined,
  b: MicrosAmount | null | undefined,
): number {
  const x = parseMicros(a);
  const y = parseMicros(b);
  if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * "12.34" → micros as text, exactly (no float on the way); null unless it is a non-negative
 * decimal with at most six decimals. A leading currency symbol is allowed.
 */
export function decimalToMicros(text: string): string | null {
  const trimmed = text.trim().replace(/^[$€£]/, '');
  const match = /^(\d*)(?:\.(\d{0,6}))?$/.exec(trimmed);
  if (!match || trimmed === '' || trimmed === '.') return null;
  const whole = BigInt(match[1] || '0');
  const fraction = BigInt((match[2] ?? '').padEnd(6, '0'));
  return (whole * MICROS_BIGINT + fraction).toString();
}

const MICROS_BIGINT = 1_000_000n;

/** Micros as a plain decimal for an input field: "150000" → "0.15", exactly. */
export function microsToDecimal(micros: MicrosAmount): string {
  const exact = parseMicros(micros);
  if (exact === null) return '';
  const negative = exact < 0n;
  const magnitude = negative ? -exact : exact;
  const fraction = (magnitude % MICROS_BIGINT).toString().padStart(6, '0').replace(/0+$/, '');
  const whole = (magnitude / MICROS_BIGINT).toString();
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** `numerator / denominator` rounded half away from zero. */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const half = denominator / 2n;
  return numerator >= 0n ? (numerator + half) / denominator : (numerator - half) / denominator;
}

/**
 * An exact currency amount with `digits` decimals: Intl formats the whole units as a BigInt
 * (exact at any size, with the locale's grouping and symbol) and the fraction digits are put
 * in from integer arithmetic.
 */
function formatExactMoney(micros: bigint, currency: string, locale: string, digits: number): string {
  const minor = divideRounded(micros, 10n ** BigInt(6 - digits));
  if (digits === 0) {
    const whole = numberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: 0,
      maximumFractionDigits: 0,
    });
    try {
      return whole.format(minor);
    } catch {
      return whole.format(Number(minor));
    }
  }
  const base = 10n ** BigInt(digits);
  const negative = minor < 0n;
  const magnitude = negative ? -minor : minor;
  const whole = magnitude / base;
  const fraction = (magnitude % base).toString().padStart(digits, '0');
  const nf = numberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  // A zero whole part would lose the minus sign ("-0" is 0n): format 1 and write the 0 in.
  const template = whole === 0n ? 1n : whole;
  let parts: Intl.NumberFormatPart[];
  try {
    parts = nf.formatToParts(negative ? -template : template);
  } catch {
    // A webview whose Intl predates BigInt: exact below 2^53 units, which covers it in practice.
    parts = nf.formatToParts(Number(negative ? -template : template));
  }
  return parts
    .map((part) => {
      if (part.type === 'integer' && whole === 0n) return '0';
      if (part.type === 'fraction') return fraction;
      return part.value;
    })
    .join('');
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

/** Formats a currency amount given in micros (1 USD = 1_000_000), exactly unless compact. */
export function formatMoneyMicros(
  micros: MicrosAmount | null | undefined,
  currency: string,
  { compact = false, compactFrom = 100_000, locale = defaultLocale() }: MoneyOptions = {},
): string {
  const exact = parseMicros(micros);
  if (exact === null) return MISSING;
  const units = microsToUnits(exact);
  // Compact only pays off once there are more digits than a glance can take in; an
  // abbreviation is an approximation anyway, so a double is fine there.
  if (compact && Math.abs(units) >= compactFrom) {
    return numberFormat(locale, {
      style: 'currency',
      currency,
      notation: 'compact',
      minimumFractionDigits: 0,
      maximumFractionDigits: 2,
    }).format(units);
  }
  return formatExactMoney(exact, currency, locale, currencyDigits(locale, currency));
}

/** The decimals a currency is written with (none for KRW or JPY, three for KWD), per Intl. */
function currencyDigits(locale: string, currency: string): number {
  const digits = numberFormat(locale, { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits;
  return Math.min(6, Math.max(0, digits ?? 2));
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
  amount: KpiAmount | null | undefined,
  currency: string,
  locale: string | undefined = defaultLocale(),
): string {
  if (!amount) return MISSING;
  if (amount.kind === 'money') {
    return formatMoneyMicros(amount.micros, currency, { compact: true, locale });
  }
  const value = amount.value;
  switch (kpi.unit) {
    case 'money':
      // The backend always sends money KPIs as micros; a number here is a contract slip.
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
