import { decimalToMicros, defaultLocale, microsToUnits, parseMicros } from '../../format';
import type { MicrosAmount } from '../../format';

/**
 * Model spend in US dollars from millionths. Model calls are cheap, so below one cent we
 * show tenths of a cent ("$0.0040") rather than a misleading "$0.00".
 */
export function formatModelCost(micros: MicrosAmount, locale = defaultLocale()): string {
  const exact = parseMicros(micros) ?? 0n;
  const small = exact !== 0n && exact > -10_000n && exact < 10_000n;
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: small ? 4 : 2,
    maximumFractionDigits: small ? 4 : 2,
  }).format(microsToUnits(exact));
}

/** Dollars per million tokens, e.g. "$0.15". */
export function formatPricePerMillion(micros: MicrosAmount, locale = defaultLocale()): string {
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: 2,
    maximumFractionDigits: 4,
  }).format(microsToUnits(micros));
}

/** "0.15" (dollars) → "150000" (micros, as the backend takes them); `null` unless it is a
 * non-negative amount with at most six decimals. */
export function parseDollarsToMicros(text: string): string | null {
  return decimalToMicros(text);
}

export const TASK_LABELS = {
  twinDialogue: 'Twin dialogue',
  moderation: 'Moderation',
  analysis: 'Analysis',
  extraction: 'Extraction',
  embeddings: 'Embeddings',
} as const;
