import { describe, expect, it, vi } from 'vitest';
import {
  defaultLocale,
  MISSING,
  changeDirection,
  changeTone,
  formatChange,
  formatCount,
  formatDate,
  formatDateRange,
  formatKpiValue,
  formatMoneyMicros,
  decimalToMicros,
  microsToUnits,
  compareMicros,
  formatMultiple,
  formatPercent,
} from './format';

const en = { locale: 'en-US' };

describe('formatMoneyMicros', () => {
  it('converts micros to currency units with two decimals', () => {
    expect(formatMoneyMicros(1_234_560_000, 'USD', en)).toBe('$1,234.56');
    expect(formatMoneyMicros(1_500_000, 'USD', en)).toBe('$1.50');
    expect(formatMoneyMicros(0, 'USD', en)).toBe('$0.00');
    expect(formatMoneyMicros(-2_000_000, 'USD', en)).toBe('-$2.00');
  });

  it('uses the workspace currency', () => {
    expect(formatMoneyMicros(9_990_000, 'EUR', en)).toBe('€9.99');
    expect(formatMoneyMicros(9_990_000, 'GBP', en)).toBe('£9.99');
    expect(formatMoneyMicros(9_990_000, 'EUR', { locale: 'de-DE' })).toBe('9,99\u00a0€');
  });

  it('abbreviates only large amounts when compact', () => {
    expect(formatMoneyMicros(12_345_670_000_000, 'USD', { ...en, compact: true })).toBe('$12.35M');
    expect(formatMoneyMicros(250_000_000_000, 'USD', { ...en, compact: true })).toBe('$250K');
    // Below 100k the exact amount is still readable at a glance.
    expect(formatMoneyMicros(12_345_670_000, 'USD', { ...en, compact: true })).toBe('$12,345.67');
    // Chart axes abbreviate everything.
    expect(formatMoneyMicros(4_500_000_000, 'USD', { ...en, compact: true, compactFrom: 0 })).toBe('$4.5K');
  });

  it('renders missing values as a dash', () => {
    expect(formatMoneyMicros(null, 'USD', en)).toBe(MISSING);
    expect(formatMoneyMicros(undefined, 'USD', en)).toBe(MISSING);
    expect(formatMoneyMicros(Number.NaN, 'USD', en)).toBe(MISSING);
    expect(formatMoneyMicros('12.5', 'USD', en)).toBe(MISSING);
  });

  it('formats amounts sent as text exactly, past the 2^53 micros a double can hold', () => {
    // 2^53 + 1 micros: as a number this would print ...254.740992 rounded to .74 by luck,
    // so use one where the double visibly rounds: 123,456,789,012.345675 units.
    expect(formatMoneyMicros('123456789012345675', 'USD', en)).toBe('$123,456,789,012.35');
    // Each currency in its own decimals: no cents for won, three digits for dinar.
    expect(formatMoneyMicros('123456789012345675', 'KRW', en)).toBe('₩123,456,789,012');
    expect(formatMoneyMicros('-1234567', 'KWD', en)).toBe('-KWD\u00a01.235');
    expect(Number('123456789012345675')).not.toBe(123456789012345675n as unknown as number);
    expect(formatMoneyMicros('-500000', 'USD', en)).toBe('-$0.50');
    expect(formatMoneyMicros('4995000', 'USD', en)).toBe('$5.00');
    // Intl writes rupiah without decimals (CLDR); exactness is shown with USD above.
    expect(formatMoneyMicros(9_007_199_254_740_993n, 'IDR', en)).toBe('IDR\u00a09,007,199,255');
    expect(formatMoneyMicros('1234560000', 'EUR', { locale: 'de-DE' })).toBe('1.234,56 €');
  });
});

describe('decimalToMicros', () => {
  it('reads decimals exactly and refuses anything else', () => {
    expect(decimalToMicros('0.15')).toBe('150000');
    expect(decimalToMicros('$2.5')).toBe('2500000');
    expect(decimalToMicros('90071992547.409931')).toBe('90071992547409931');
    expect(decimalToMicros('-1')).toBeNull();
    expect(decimalToMicros('1.2345678')).toBeNull();
    expect(decimalToMicros('abc')).toBeNull();
    expect(decimalToMicros('')).toBeNull();
  });
});

describe('microsToUnits and compareMicros', () => {
  it('gives charts a number and tables an exact order', () => {
    expect(microsToUnits('1500000')).toBe(1.5);
    expect(compareMicros('9007199254740993', '9007199254740992')).toBe(1);
    expect(compareMicros(null, '0')).toBe(-1);
  });
});

describe('formatCount', () => {
  it('groups small counts and abbreviates big ones', () => {
    expect(formatCount(987, en)).toBe('987');
    expect(formatCount(9_999, en)).toBe('9,999');
    expect(formatCount(45_300, en)).toBe('45.3K');
    expect(formatCount(1_234_567, en)).toBe('1.2M');
  });

  it('can show the full number', () => {
    expect(formatCount(1_234_567, { ...en, compact: false })).toBe('1,234,567');
  });

  it('handles null', () => {
    expect(formatCount(null, en)).toBe(MISSING);
  });
});

describe('formatPercent', () => {
  it('formats a fraction as a percentage', () => {
    expect(formatPercent(0.0123, en)).toBe('1.23%');
    expect(formatPercent(0.5, en)).toBe('50.00%');
    expect(formatPercent(0, en)).toBe('0.00%');
  });

  it('handles null', () => {
    expect(formatPercent(null, en)).toBe(MISSING);
  });
});

describe('formatMultiple', () => {
  it('formats ROAS with a multiplication sign', () => {
    expect(formatMultiple(3.2137, en)).toBe('3.21×');
    expect(formatMultiple(4, en)).toBe('4.00×');
    expect(formatMultiple(null, en)).toBe(MISSING);
  });
});

describe('formatKpiValue', () => {
  it('picks the formatter from the KPI unit', () => {
    const money = (micros: string) => ({ kind: 'money' as const, micros });
    const number = (value: number) => ({ kind: 'number' as const, value });
    expect(formatKpiValue({ unit: 'money' }, money('1410000'), 'USD', 'en-US')).toBe('$1.41');
    expect(formatKpiValue({ unit: 'count' }, number(1_234_567), 'USD', 'en-US')).toBe('1.2M');
    expect(formatKpiValue({ unit: 'ratio' }, number(0.0071), 'USD', 'en-US')).toBe('0.71%');
    expect(formatKpiValue({ unit: 'multiple' }, number(3.2137), 'USD', 'en-US')).toBe('3.21×');
    expect(formatKpiValue({ unit: 'multiple' }, null, 'USD', 'en-US')).toBe(MISSING);
  });
});

describe('change direction and colouring', () => {
  it('derives the direction, treating tiny changes as flat', () => {
    expect(changeDirection(0.12)).toBe('up');
    expect(changeDirection(-0.05)).toBe('down');
    expect(changeDirection(0)).toBe('flat');
    expect(changeDirection(0.0001)).toBe('flat');
    expect(changeDirection(null)).toBeNull();
    expect(changeDirection(Number.POSITIVE_INFINITY)).toBeNull();
  });

  it('treats an increase as good for volume and return metrics', () => {
    for (const key of ['impressions', 'clicks', 'ctr', 'conversions', 'roas'] as const) {
      expect(changeTone(key, 0.1)).toBe('good');
      expect(changeTone(key, -0.1)).toBe('bad');
    }
  });

  it('does not judge spend: more or less of it is neither good nor bad news', () => {
    expect(changeTone('spend', 0.4)).toBe('neutral');
    expect(changeTone('spend', -0.4)).toBe('neutral');
  });

  it('inverts the colouring for cost metrics (CPC, CPA)', () => {
    expect(changeTone('cpc', -0.1)).toBe('good');
    expect(changeTone('cpc', 0.1)).toBe('bad');
    expect(changeTone('cpa', -0.2)).toBe('good');
    expect(changeTone('cpa', 0.2)).toBe('bad');
  });

  it('is neutral without a comparison or when flat', () => {
    expect(changeTone('spend', null)).toBe('neutral');
    expect(changeTone('cpa', null)).toBe('neutral');
    expect(changeTone('roas', 0)).toBe('neutral');
  });

  it('formats the change with an explicit sign', () => {
    expect(formatChange(0.1234, en)).toBe('+12.3%');
    expect(formatChange(-0.045, en)).toBe('\u22124.5%');
    expect(formatChange(0, en)).toBe('0.0%');
    expect(formatChange(null, en)).toBe(MISSING);
  });
});

describe('dates', () => {
  it('formats calendar dates without time-zone drift', () => {
    expect(formatDate('2024-01-01', en)).toBe('Jan 1, 2024');
    expect(formatDate('2024-12-31', { ...en, withYear: false })).toBe('Dec 31');
    expect(formatDateRange({ start: '2024-12-02', end: '2024-12-31' }, 'en-US')).toBe(
      'Dec 2, 2024 – Dec 31, 2024',
    );
  });
});

describe('defaultLocale', () => {
  it('ignores a POSIX locale that Intl would reject instead of crashing formatting', () => {
    const spy = vi.spyOn(navigator, 'language', 'get').mockReturnValue('C');
    try {
      expect(defaultLocale()).toBe('en-US');
      expect(formatMoneyMicros(1_500_000, 'USD')).toBe('$1.50');
    } finally {
      spy.mockRestore();
    }
  });

  it('keeps a real locale', () => {
    const spy = vi.spyOn(navigator, 'language', 'get').mockReturnValue('de-DE');
    try {
      expect(defaultLocale()).toBe('de-DE');
    } finally {
      spy.mockRestore();
    }
  });
});
