// Calendar-date arithmetic on "YYYY-MM-DD" strings. Done in UTC on purpose: the dates are
// reporting days in the workspace's time zone, so the machine's own zone must not shift them.
import type { DateRange } from '../../ipc/backend';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

export function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Inclusive number of days in a range. */
export function rangeLength(range: DateRange): number {
  const ms = Date.parse(`${range.end}T00:00:00Z`) - Date.parse(`${range.start}T00:00:00Z`);
  return Math.round(ms / 86_400_000) + 1;
}

export const PRESET_DAYS = [7, 30, 90] as const;
export type PresetDays = (typeof PRESET_DAYS)[number];

/** The backend's default when asked for `range: null`. */
export const DEFAULT_PRESET: PresetDays = 30;

/**
 * "Last N days of data": anchored on the last day that has data, not on today, because
 * imported or demo data usually ends in the past and a window ending today would be empty.
 */
export function presetRange(days: number, lastDataDay: string): DateRange {
  return { start: addDays(lastDataDay, -(days - 1)), end: lastDataDay };
}

export type RangeSelection =
  | { kind: 'default' }
  | { kind: 'preset'; days: PresetDays }
  | { kind: 'custom'; range: DateRange };

/** What to send as getDashboard's `range`. Presets need an anchor day; without one, null. */
export function requestRange(selection: RangeSelection, lastDataDay: string | null): DateRange | null {
  switch (selection.kind) {
    case 'default':
      return null;
    case 'preset':
      return lastDataDay ? presetRange(selection.days, lastDataDay) : null;
    case 'custom':
      return selection.range;
  }
}

/** Which preset button to show as active. */
export function activePreset(selection: RangeSelection): PresetDays | null {
  if (selection.kind === 'default') return DEFAULT_PRESET;
  if (selection.kind === 'preset') return selection.days;
  return null;
}

export type CustomRangeProblem = 'incomplete' | 'invalid' | 'reversed' | null;

export function validateCustomRange(start: string, end: string): CustomRangeProblem {
  if (!start || !end) return 'incomplete';
  if (!isIsoDate(start) || !isIsoDate(end)) return 'invalid';
  if (start > end) return 'reversed';
  return null;
}
