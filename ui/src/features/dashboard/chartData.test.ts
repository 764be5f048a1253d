import { describe, expect, it } from 'vitest';
import { dashboard } from '../../test/fixtures';
import { buildChartRows } from './chartData';

describe('buildChartRows', () => {
  it('pivots platform series into date rows in display units', () => {
    expect(buildChartRows(dashboard().sections[0].series, 'spend')).toEqual([
      { date: '2024-12-30', meta: 100, googleAds: 80 },
      { date: '2024-12-31', meta: 120, googleAds: 90 },
    ]);
    expect(buildChartRows(dashboard().sections[0].series, 'clicks')[1]).toEqual({
      date: '2024-12-31',
      meta: 110,
      googleAds: 95,
    });
  });

  it('leaves gaps where a platform has no point', () => {
    const rows = buildChartRows(
      [
        { platform: 'tiktok', points: [{ date: '2024-12-02', spendMicros: '1', impressions: 1, clicks: 1, conversions: 0, conversionValueMicros: '0' }] },
        { platform: 'meta', points: [{ date: '2024-12-01', spendMicros: '1', impressions: 5, clicks: 1, conversions: 0, conversionValueMicros: '0' }] },
      ],
      'impressions',
    );
    expect(rows).toEqual([
      { date: '2024-12-01', meta: 5 },
      { date: '2024-12-02', tiktok: 1 },
    ]);
  });
});
