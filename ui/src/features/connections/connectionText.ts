// Words, times and bar lengths for the connections screen, kept apart from React so they can
// be tested on their own.
import type { ConnectionView, SyncStreamView } from '../../ipc/backend';
import { defaultLocale } from '../../format';

/** The schedules offered; `null` stops the scheduled sync. The backend schedules nightly. */
export const SCHEDULES: readonly { label: string; cron: string | null }[] = [
  { label: 'Nightly', cron: '30 2 * * *' },
  { label: 'Every 6 hours', cron: '0 */6 * * *' },
  { label: 'Weekly, on Monday', cron: '30 2 * * 1' },
  { label: 'Off', cron: null },
];

/** The platform whose API needs a developer token besides the OAuth client. */
export const GOOGLE_ADS = 'google_ads';

/** Where `profitwheel sandbox` serves its practice platforms. */
export const SANDBOX_ADDRESS = 'http://127.0.0.1:8765';

/** An instant as the person's locale writes a date and time, e.g. "Nov 30, 2026, 2:30 AM". */
export function formatInstant(rfc3339: string, locale: string = defaultLocale()): string {
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) return rfc3339;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** A day ("2026-11-30") as the locale writes it, without the time zone moving it. */
export function formatDay(isoDate: string, locale: string = defaultLocale()): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  if (!y || !m || !d) return isoDate;
  return new Intl.DateTimeFormat(locale, { timeZone: 'UTC', dateStyle: 'medium' }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

export type ConnectionState =
  | { kind: 'connected' }
  | { kind: 'needsReconnecting'; reason: string | null }
  | { kind: 'paused'; until: string }
  | { kind: 'disconnected'; reason: string | null };

/** What the card says about a connection; a platform's request to wait outranks "Connected". */
export function connectionState(connection: ConnectionView, now: Date = new Date()): ConnectionState {
  if (connection.status === 'needs_reauth') {
    return { kind: 'needsReconnecting', reason: connection.statusReason };
  }
  if (connection.status === 'disconnected') {
    return { kind: 'disconnected', reason: connection.statusReason };
  }
  if (connection.pausedUntil !== null && new Date(connection.pausedUntil).getTime() > now.getTime()) {
    return { kind: 'paused', until: connection.pausedUntil };
  }
  return { kind: 'connected' };
}

/** A sync run's or report's status in words. */
export function runStatusWords(status: string): string {
  switch (status) {
    case 'running':
      return 'Syncing';
    case 'succeeded':
      return 'Synced';
    case 'partial':
      return 'Partly synced';
    case 'failed':
      return 'Sync failed';
    case 'cancelled':
      return 'Sync cancelled';
    default:
      return status;
  }
}

export function streamStateWords(state: string): string {
  switch (state) {
    case 'pending':
      return 'waiting';
    case 'running':
      return 'reading';
    case 'done':
      return 'done';
    case 'failed':
      return 'failed';
    case 'skipped':
      return 'skipped';
    default:
      return state;
  }
}

function dayNumber(isoDate: string): number | null {
  const [y, m, d] = isoDate.split('-').map(Number);
  if (!y || !m || !d) return null;
  return Date.UTC(y, m - 1, d) / 86_400_000;
}

/**
 * How far a stream has got, 0..1, or `null` when it cannot be told (a stream without a window
 * of days, still reading). Done streams are full; a report stream is the share of its window
 * (both ends included) stored so far.
 */
export function streamProgress(stream: SyncStreamView): number | null {
  if (stream.state === 'done') return 1;
  if (stream.state === 'pending' || stream.state === 'skipped') return 0;
  if (stream.windowFrom === null || stream.windowUntil === null) {
    return stream.state === 'running' ? null : 0;
  }
  const from = dayNumber(stream.windowFrom);
  const until = dayNumber(stream.windowUntil);
  if (from === null || until === null || until < from) return stream.state === 'running' ? null : 0;
  if (stream.doneThrough === null) return 0;
  const through = dayNumber(stream.doneThrough);
  if (through === null) return 0;
  const share = (through - from + 1) / (until - from + 1);
  return Math.min(1, Math.max(0, share));
}

export interface AccountStreams {
  account: string;
  accountName: string;
  streams: SyncStreamView[];
}

/** Streams grouped by account, in the order the run lists them. */
export function groupByAccount(streams: readonly SyncStreamView[]): AccountStreams[] {
  const groups = new Map<string, AccountStreams>();
  for (const stream of streams) {
    let group = groups.get(stream.account);
    if (!group) {
      group = { account: stream.account, accountName: stream.accountName, streams: [] };
      groups.set(stream.account, group);
    }
    group.streams.push(stream);
  }
  return [...groups.values()];
}

/** "1,234" in the person's locale. */
export function formatRecords(count: number, locale: string = defaultLocale()): string {
  return new Intl.NumberFormat(locale).format(count);
}
