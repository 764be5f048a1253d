import type { CSSProperties } from 'react';
import type { SlideChartView, SlideView, ThemeSettingsView } from '../../ipc/backend';

/** What a slide is drawn with: the theme's settings and its logos (data URLs). */
export interface SlideLook {
  settings: ThemeSettingsView;
  clientLogo: string | null;
  agencyLogo: string | null;
  /** The client's name when the theme gives none. */
  workspaceBrand: string;
}

/**
 * The title slide's line saying whose deck it is, as the writers put it (`Brand::presenter`
 * in pw-decks): drawn here too so the theme editor's preview follows every keystroke.
 */
export function presenterLine(look: SlideLook): string {
  const client = look.settings.clientName.trim() || look.workspaceBrand.trim();
  const agency = look.settings.agencyName.trim();
  if (client && agency) return `For ${client} · by ${agency}`;
  if (agency) return `By ${agency}`;
  return client;
}

/**
 * A slide drawn small in the deck's look, 16:9, from the gathered slide's own content: its
 * title, bullets, tiles, quotes, a table's first rows, a chart's first 12 categories and two
 * series (a stacked chart's bars side by side). The file itself is what Build writes.
 */
export function SlideThumbnail({
  slide,
  look,
  number,
  faded = false,
}: {
  slide: SlideView;
  look: SlideLook;
  number?: number;
  faded?: boolean;
}) {
  const { settings } = look;
  const style = {
    '--slide-primary': settings.primary,
    '--slide-secondary': settings.secondary,
    '--slide-text': settings.text,
    '--slide-background': settings.background,
    '--slide-heading-font': `'${settings.headingFont}', Arial, sans-serif`,
    '--slide-body-font': `'${settings.bodyFont}', Arial, sans-serif`,
  } as CSSProperties;
  // The frame is the size container the slide's type is measured against (`cqw`), so the
  // slide reads the same at any width.
  return (
    <div className="slide-thumb-frame">
      <div
        className={`slide-thumb slide-thumb--${slide.kind}${faded ? ' slide-thumb--faded' : ''}`}
        style={style}
        data-testid="slide-thumbnail"
        aria-label={`Slide${number === undefined ? '' : ` ${number}`}: ${slide.title}`}
      >
        {slide.kind === 'title' ? (
          <TitleBody slide={slide} look={look} />
        ) : slide.kind === 'section' ? (
          <div className="slide-thumb__section">
            <div className="slide-thumb__title">{slide.title}</div>
            {slide.subtitle && <div className="slide-thumb__subtitle">{slide.subtitle}</div>}
          </div>
        ) : (
          <>
            <div className="slide-thumb__title">{slide.title}</div>
            <div className="slide-thumb__body">
              <Body slide={slide} />
            </div>
            {slide.footnote && <div className="slide-thumb__footnote">{slide.footnote}</div>}
          </>
        )}
        {number !== undefined && <div className="slide-thumb__number">{number}</div>}
      </div>
    </div>
  );
}

function TitleBody({ slide, look }: { slide: SlideView; look: SlideLook }) {
  return (
    <div className="slide-thumb__cover">
      <div className="slide-thumb__logos">
        {look.clientLogo && <img src={look.clientLogo} alt="Client logo" />}
        {look.agencyLogo && <img src={look.agencyLogo} alt="Agency logo" />}
      </div>
      <div className="slide-thumb__cover-title">{slide.title}</div>
      {slide.subtitle && <div className="slide-thumb__subtitle">{slide.subtitle}</div>}
      <div className="slide-thumb__presenter">{presenterLine(look)}</div>
    </div>
  );
}

function Body({ slide }: { slide: SlideView }) {
  switch (slide.kind) {
    case 'bullets':
      return (
        <ul className="slide-thumb__bullets">
          {slide.items.slice(0, 6).map((item, i) => (
            <li key={i}>{item}</li>
          ))}
        </ul>
      );
    case 'kpis':
      return (
        <div className="slide-thumb__tiles">
          {slide.tiles.slice(0, 8).map((tile) => (
            <div key={tile.label} className="slide-thumb__tile">
              <div className="slide-thumb__tile-label">{tile.label}</div>
              <div className="slide-thumb__tile-value">{tile.value}</div>
              <div className="slide-thumb__tile-detail">{tile.detail}</div>
            </div>
          ))}
        </div>
      );
    case 'chart':
      return slide.chart ? <MiniChart chart={slide.chart} /> : null;
    case 'table':
      return slide.table ? (
        <table className="slide-thumb__table">
          <thead>
            <tr>
              {slide.table.columns.map((c, i) => (
                <th key={i}>{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {slide.table.rows.map((row, r) => (
              <tr key={r}>
                {row.map((cell, c) => (
                  <td key={c}>{cell}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null;
    case 'quotes':
      return (
        <div className="slide-thumb__quotes">
          {slide.quotes.slice(0, 4).map((q, i) => (
            <blockquote key={i}>
              “{q.text}” <cite>{q.attribution}</cite>
            </blockquote>
          ))}
        </div>
      );
    default:
      return null;
  }
}

/** Bars (or a line) of the chart's own values: the first two series, at most 12 categories. */
function MiniChart({ chart }: { chart: SlideChartView }) {
  const series = chart.series.slice(0, 2);
  const categories = chart.categories.slice(0, 12);
  const values = series.flatMap((s) => s.values.slice(0, categories.length).map((v) => v ?? 0));
  const max = Math.max(0, ...values);
  const min = Math.min(0, ...values);
  const span = max - min || 1;
  const width = 100;
  const height = 50;
  const zero = height - ((0 - min) / span) * height;
  const y = (v: number) => height - ((v - min) / span) * height;
  const band = width / Math.max(categories.length, 1);
  const colours = ['var(--slide-primary)', 'var(--slide-secondary)'];
  return (
    <svg className="slide-thumb__chart" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={`${chart.kind} chart of ${categories.join(', ')}`}>
      {chart.kind === 'bar'
        ? categories.map((_, ci) =>
            series.map((s, si) => {
              // Horizontal bars: categories down the side, values across.
              const v = s.values[ci] ?? 0;
              const rowBand = height / Math.max(categories.length, 1);
              const barHeight = (rowBand * 0.7) / series.length;
              const left = ((0 - min) / span) * width;
              const right = ((v - min) / span) * width;
              return (
                <rect
                  key={`${ci}-${si}`}
                  x={Math.min(left, right)}
                  y={rowBand * ci + rowBand * 0.15 + barHeight * si}
                  width={Math.abs(right - left)}
                  height={barHeight}
                  fill={colours[si]}
                />
              );
            }),
          )
        : chart.kind === 'line'
        ? series.flatMap((s, si) =>
            // A day with nothing measured breaks the line: a gap, never a drop to zero.
            runs(s.values.slice(0, categories.length)).map((run, ri) => (
              <polyline
                key={`${si}-${ri}`}
                fill="none"
                stroke={colours[si]}
                strokeWidth={1.2}
                points={run.map(([i, v]) => `${band * i + band / 2},${y(v)}`).join(' ')}
              />
            )),
          )
        : categories.map((_, ci) =>
            series.map((s, si) => {
              // Columns (side by side; a stacked chart's share is told by its table).
              const v = s.values[ci] ?? 0;
              const barWidth = (band * 0.7) / series.length;
              const x = band * ci + band * 0.15 + barWidth * si;
              return (
                <rect
                  key={`${ci}-${si}`}
                  x={x}
                  y={Math.min(y(v), zero)}
                  width={barWidth}
                  height={Math.abs(zero - y(v))}
                  fill={colours[si]}
                />
              );
            }),
          )}
    </svg>
  );
}

/** The stretches of measured values, each as (index, value) pairs. */
function runs(values: readonly (number | null)[]): [number, number][][] {
  const stretches: [number, number][][] = [];
  let current: [number, number][] = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (current.length > 0) stretches.push(current);
      current = [];
    } else {
      current.push([i, v]);
    }
  });
  if (current.length > 0) stretches.push(current);
  return stretches;
}
