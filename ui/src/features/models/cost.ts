import { defaultLocale } from '../../format';

/**
 * Model spend in US dollars from millionths. Model calls are cheap, so below one cent we
 * show tenths of a cent ("$0.0040") rather than a misleading "$0.00".
 */
export function formatModelCost(micros: number, locale = defaultLocale()): string {
  const small = micros !== 0 && Math.abs(micros) < 10_000;
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: small ? 4 : 2,
    maximumFractionDigits: small ? 4 : 2,
  }).format(micros / 1_000_000);
}

/** Dollars per million tokens, e.g. "$0.15". */
export function formatPricePerMillion(micros: number, locale = defaultLocale()): string {
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: 2,
    maximumFractionDigits: 4,
  }).format(micros / 1_000_000);
}

/** "0.15" (dollars) → 150000 (micros); `null` when it isn't a non-negative number. */
export function parseDollarsToMicros(text: string): number | null {
  const trimmed = text.trim().replace(/^\$/, '');
  if (trimmed === '' || !/^\d*\.?\d*$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) && value >= 0 ? Math.round(value * 1_000_000) : null;
}

export const TASK_LABELS = {
  twinDialogue: 'Twin dialogue',
  moderation: 'Moderation',
  analysis: 'Analysis',
  extraction: 'Extraction',
  embeddings: 'Embeddings',
} as const;
