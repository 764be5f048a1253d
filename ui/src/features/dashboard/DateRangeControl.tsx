import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import type { DateRange } from '../../ipc/backend';
import { PRESET_DAYS, validateCustomRange } from './dateRange';
import type { PresetDays } from './dateRange';

interface Props {
  /** The range the backend actually used for the numbers on screen. */
  shownRange: DateRange | null;
  /** First and last day with data, to bound the date pickers. */
  dataRange: DateRange | null;
  activePreset: PresetDays | null;
  onPreset: (days: PresetDays) => void;
  onCustom: (range: DateRange) => void;
  disabled?: boolean;
}

const PROBLEM_TEXT = {
  incomplete: 'Pick both a start and an end date.',
  invalid: 'Use valid dates.',
  reversed: 'The start date must not be after the end date.',
} as const;

export function DateRangeControl(props: Props) {
  const { shownRange, dataRange, activePreset, onPreset, onCustom, disabled } = props;
  const id = useId();
  const [start, setStart] = useState(shownRange?.start ?? '');
  const [end, setEnd] = useState(shownRange?.end ?? '');
  const [problem, setProblem] = useState<keyof typeof PROBLEM_TEXT | null>(null);

  // When the backend reports a different range (a preset was applied, or it clamped the
  // request), mirror it in the inputs. Adjusting state during render is React's
  // recommended alternative to an effect for "reset when a prop changes".
  const shownKey = shownRange ? `${shownRange.start}/${shownRange.end}` : '';
  const [syncedKey, setSyncedKey] = useState(shownKey);
  if (shownKey !== syncedKey) {
    setSyncedKey(shownKey);
    setStart(shownRange?.start ?? '');
    setEnd(shownRange?.end ?? '');
    setProblem(null);
  }

  function apply(e: FormEvent) {
    e.preventDefault();
    const p = validateCustomRange(start, end);
    setProblem(p);
    if (p === null) onCustom({ start, end });
  }

  return (
    <div className="range-control">
      <div className="segmented" role="group" aria-label="Date range presets">
        {PRESET_DAYS.map((days) => (
          <button
            key={days}
            type="button"
            className="segmented__item"
            aria-pressed={activePreset === days}
            onClick={() => onPreset(days)}
            disabled={disabled}
            title={`The last ${days} days that have data`}
          >
            {days} days
          </button>
        ))}
      </div>
      {/* noValidate: our own message explains a reversed range; the native bubble would
          only say "value must be … or later". */}
      <form className="range-custom" onSubmit={apply} aria-label="Custom date range" noValidate>
        <label className="visually-hidden" htmlFor={`${id}-start`}>
          Start date
        </label>
        <input
          id={`${id}-start`}
          type="date"
          value={start}
          min={dataRange?.start}
          max={end || dataRange?.end}
          onChange={(e) => setStart(e.target.value)}
          disabled={disabled}
        />
        <span aria-hidden="true">–</span>
        <label className="visually-hidden" htmlFor={`${id}-end`}>
          End date
        </label>
        <input
          id={`${id}-end`}
          type="date"
          value={end}
          min={start || dataRange?.start}
          max={dataRange?.end}
          onChange={(e) => setEnd(e.target.value)}
          disabled={disabled}
        />
        <button
          type="submit"
          className="btn btn--small"
          aria-pressed={activePreset === null}
          disabled={disabled}
        >
          Apply
        </button>
        {problem && (
          <span className="form-error" role="alert">
            {PROBLEM_TEXT[problem]}
          </span>
        )}
      </form>
    </div>
  );
}
