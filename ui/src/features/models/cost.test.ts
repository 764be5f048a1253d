import { describe, expect, it } from 'vitest';
import { formatModelCost, formatPricePerMillion, parseDollarsToMicros } from './cost';

describe('model cost formatting', () => {
  it('shows tenths of a cent below one cent, cents above', () => {
    expect(formatModelCost(4_000, 'en-US')).toBe('$0.0040');
    expect(formatModelCost(0, 'en-US')).toBe('$0.00');
    expect(formatModelCost(1_234_567, 'en-US')).toBe('$1.23');
    expect(formatModelCost('4000', 'en-US')).toBe('$0.0040');
  });

  it('shows prices per million tokens with up to four decimals', () => {
    expect(formatPricePerMillion(150_000, 'en-US')).toBe('$0.15');
    expect(formatPricePerMillion(37_500, 'en-US')).toBe('$0.0375');
  });

  it('reads dollars typed by a person', () => {
    expect(parseDollarsToMicros('0.15')).toBe('150000');
    expect(parseDollarsToMicros('$2.5')).toBe('2500000');
    expect(parseDollarsToMicros('-1')).toBeNull();
    expect(parseDollarsToMicros('abc')).toBeNull();
    expect(parseDollarsToMicros('')).toBeNull();
  });
});
