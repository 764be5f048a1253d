import type { CurrencySection, DateRange } from '../../ipc/backend';
import { KpiTiles } from './KpiTiles';
import { PlatformChart } from './PlatformChart';

interface Props {
  sections: readonly CurrencySection[];
  previousRange: DateRange;
}

/**
 * KPI tiles and the daily chart for each currency the workspace's accounts report in. Money in
 * different currencies is never added: a client with a EUR and a USD account gets two sets of
 * tiles, each labelled, rather than one total that is neither.
 */
export function CurrencySections({ sections, previousRange }: Props) {
  if (sections.length === 1) {
    const [only] = sections;
    return (
      <>
        <KpiTiles kpis={only.kpis} currency={only.currency} previousRange={previousRange} />
        <PlatformChart series={only.series} currency={only.currency} />
      </>
    );
  }
  return (
    <>
      <p className="notice" role="note" data-testid="currency-note">
        This workspace reports in {sections.length} currencies (
        {sections.map((s) => s.currency).join(', ')}). Amounts are shown per currency and never
        added together.
      </p>
      {sections.map((section) => (
        <section
          key={section.currency}
          className="currency-section"
          data-testid={`currency-section-${section.currency}`}
          aria-label={`Amounts in ${section.currency}`}
        >
          <h2 className="currency-section__title">In {section.currency}</h2>
          <KpiTiles kpis={section.kpis} currency={section.currency} previousRange={previousRange} />
          <PlatformChart series={section.series} currency={section.currency} />
        </section>
      ))}
    </>
  );
}
