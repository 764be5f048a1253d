import { describe, expect, it } from 'vitest';
import { signal, themeSignal } from '../../test/fixtures';
import {
  formatAudienceSize,
  formatFigure,
  formatRate,
  formatSupport,
  groupSignals,
  orderEvidenceRows,
} from './evidenceFormat';

describe('evidence formatting', () => {
  it('writes audience sizes as a range of people', () => {
    expect(formatAudienceSize({ sizeLower: 8_400_000, sizeUpper: 9_900_000 })).toBe('8.4M–9.9M people');
    expect(formatAudienceSize({ sizeLower: null, sizeUpper: 46_000 })).toBe('46K people');
    expect(formatAudienceSize({ sizeLower: null, sizeUpper: null })).toBeNull();
  });

  it('counts support in what a person counts', () => {
    expect(formatSupport(themeSignal())).toBe('43 of 240 mentions');
    expect(formatSupport(signal())).toBe('48,210 of 80,350 impressions');
    expect(formatSupport(signal({ support: { count: 1_204, total: null, unit: 'clicks' } }))).toBe(
      '1,204 clicks',
    );
    expect(formatSupport(signal({ support: { count: 1, total: null, unit: 'rows' } }))).toBe('1 row');
    // The statement's words are never read for it.
    expect(
      formatSupport(signal({ statement: 'on 5 impressions', support: { count: 340, total: 1_000, unit: 'customers' } })),
    ).toBe('340 of 1,000 customers');
    // No count from the backend: the stored rows it rests on.
    expect(formatSupport(signal({ supportRows: 1, support: { count: null, total: null, unit: 'impressions' } }))).toBe(
      '1 row',
    );
  });

  it('groups the digits of plain-number figures and leaves other figures alone', () => {
    expect(formatFigure('7599')).toBe('7,599');
    expect(formatFigure('1.0')).toBe('1');
    expect(formatFigure('0.0123')).toBe('0.0123');
    expect(formatFigure('Trustpilot')).toBe('Trustpilot');
    expect(formatFigure('2026-07-12')).toBe('2026-07-12');
  });

  it('shows small rates with enough digits to differ', () => {
    expect(formatRate(0.0015)).toBe('0.15%');
    expect(formatRate(0.023)).toBe('2.3%');
    expect(formatRate(0.47)).toBe('47%');
    expect(formatRate(null)).toBe('—');
  });

  it('puts an audience’s own signals before the workspace-wide ones, and segment rows first', () => {
    const groups = groupSignals([
      themeSignal({ id: 'wide', audienceId: null }),
      themeSignal({ id: 'own' }),
      signal({ id: 'b' }),
    ]);
    expect(groups.get('mentionTheme')?.map((s) => s.id)).toEqual(['own', 'wide']);
    expect(groups.get('behavior')?.map((s) => s.id)).toEqual(['b']);
    expect(groups.get('intent')).toEqual([]);
    const row = { table: 't', key: 'k', title: '', text: null, date: null, figures: [] };
    expect(
      orderEvidenceRows([
        { ...row, key: 'base', inSegment: false },
        { ...row, key: 'seg', inSegment: true },
      ]).map((r) => r.key),
    ).toEqual(['seg', 'base']);
  });
});
