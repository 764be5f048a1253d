import { formatPercent } from '../../format';
import type { AdherenceCountView, AgreementView, DiagnosticsView } from '../../ipc/backend';

/** Median words of a participant turn in human focus groups, and the cap the twins have. */
const PEOPLE_MEDIAN_WORDS = 49;
const WORD_CAP = 80;

/** Who spoke how much: each twin's share of the participant turns as a bar. */
export function TurnShareChart({ diagnostics }: { diagnostics: DiagnosticsView }) {
  const max = Math.max(0.0001, ...diagnostics.participants.map((p) => p.turnShare ?? 0));
  return (
    <ul className="share-chart" aria-label="Share of turns" data-testid="turn-share-chart">
      {diagnostics.participants.map((p) => (
        <li key={p.twinId} className="share-chart__row" data-testid="turn-share">
          <span className="share-chart__name">{p.name}</span>
          <span className="share-chart__track" aria-hidden="true">
            <span className="share-chart__bar" style={{ width: `${((p.turnShare ?? 0) / max) * 100}%` }} />
          </span>
          <span className="share-chart__value">
            {formatPercent(p.turnShare, { digits: 0 })} <span className="muted">({p.turns})</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

/** How the group behaved, so a marketer knows when it converged too easily. */
export function DiagnosticsPanel({
  diagnostics,
  adherence,
  agreement = null,
}: {
  diagnostics: DiagnosticsView | null;
  adherence: AdherenceCountView;
  agreement?: AgreementView | null;
}) {
  const median = diagnostics?.medianTurnWords ?? null;
  return (
    <section className="card diagnostics" aria-labelledby="diagnostics-title" data-testid="diagnostics">
      <header className="card__header">
        <h3 id="diagnostics-title">How the group behaved</h3>
      </header>
      <p className="muted diagnostics__intro">
        Real groups disagree, ramble and change their minds for reasons. These figures show when
        the twins agreed too readily or one voice took over — so you know when a group converged
        too easily to trust.
      </p>
      {diagnostics === null ? (
        <p className="empty-hint">Figures appear once the participants have spoken.</p>
      ) : (
        <dl className="diagnostics__list">
          <div>
            <dt>Median turn</dt>
            <dd data-testid="diag-median">
              {median === null ? '—' : `${Math.round(median)} words`}
              <WordsMeter median={median} />
              <span className="muted diagnostics__note">
                People say about {PEOPLE_MEDIAN_WORDS}; twins stop at {WORD_CAP}.
              </span>
            </dd>
          </div>
          <div>
            <dt>Word inequality (Gini)</dt>
            <dd data-testid="diag-gini">
              {diagnostics.wordGini === null ? '—' : diagnostics.wordGini.toFixed(2)}
              <span className="muted diagnostics__note">0 all equal, 1 one voice; above 0.4 someone dominated.</span>
            </dd>
          </div>
          <div>
            <dt>Herding</dt>
            <dd data-testid="diag-herding">
              {diagnostics.changesTowardMajority} of {diagnostics.stanceChanges} changes of mind went toward the majority
              {diagnostics.herdingRate !== null && ` (${formatPercent(diagnostics.herdingRate, { digits: 0 })})`}
              <span className="muted diagnostics__note">A high share means the group may have followed the crowd.</span>
            </dd>
          </div>
          <div>
            <dt>Agreement vs the audiences</dt>
            <dd data-testid="diag-agreement" data-beyond={agreement?.beyondEvidence ? 'true' : 'false'}>
              {agreement === null ? 'No two twins took a position on the same question yet.' : agreementText(agreement)}
              {agreement !== null && <AgreementMeter agreement={agreement} />}
              <span className="muted diagnostics__note">
                {agreement?.beyondEvidence
                  ? agreement.expected !== null
                    ? 'They agree more than their audiences’ mentions do, beyond the margin of error: treat the consensus with care.'
                    : 'They agree far more than the data they were built on does: treat the consensus with care.'
                  : agreement?.expected !== null && agreement?.expected !== undefined
                    ? 'Compared with how their audiences’ mentions of the brand split (a stance on a question is not a mention, so read it as a yardstick): a group far above it converged too easily.'
                    : 'Twins built on different evidence have less reason to agree.'}
              </span>
            </dd>
          </div>
          <div>
            <dt>Persona checks</dt>
            <dd data-testid="diag-adherence">
              {adherence.passed} passed · {adherence.caught} caught and answered again · {adherence.unchecked} unchecked
              {adherence.nonResponses > 0 && ` · ${adherence.nonResponses} turns with no usable answer`}
            </dd>
          </div>
        </dl>
      )}
    </section>
  );
}

function agreementText(agreement: AgreementView): string {
  const pct = (v: number | null) => formatPercent(v, { digits: 0 });
  const observed = `${pct(agreement.observed)} of ${agreement.pairs} pairs agreed (95% interval ${pct(agreement.observedLow)}–${pct(agreement.observedHigh)})`;
  if (agreement.expected === null) {
    return `${observed}; too few mentions to predict from, and their evidence overlaps ${pct(agreement.evidenceOverlap)}`;
  }
  return `${observed}; two of their audiences’ mentions of the brand take the same side ${pct(agreement.expected)} of the time (${agreement.expectedMentions} mentions)`;
}

/** The observed share with its interval, and a tick where the audiences' data puts it. */
function AgreementMeter({ agreement }: { agreement: AgreementView }) {
  const { observed, observedLow, observedHigh, expected } = agreement;
  if (observed === null || observedLow === null || observedHigh === null) return null;
  const at = (v: number) => `${Math.max(0, Math.min(1, v)) * 100}%`;
  return (
    <span
      className="agreement-meter"
      role="img"
      aria-label={`Observed agreement ${formatPercent(observed, { digits: 0 })}${expected === null ? '' : `, predicted ${formatPercent(expected, { digits: 0 })}`}`}
    >
      <span className="agreement-meter__interval" style={{ left: at(observedLow), width: at(observedHigh - observedLow) }} />
      <span className="agreement-meter__observed" style={{ left: at(observed) }} />
      {expected !== null && <span className="agreement-meter__expected" style={{ left: at(expected) }} data-testid="agreement-expected" />}
    </span>
  );
}

function WordsMeter({ median }: { median: number | null }) {
  if (median === null) return null;
  const scale = (v: number) => `${Math.min(100, (v / (WORD_CAP * 1.1)) * 100)}%`;
  return (
    <span
      className="words-meter"
      role="img"
      aria-label={`Median ${Math.round(median)} words, against ${PEOPLE_MEDIAN_WORDS} for people and a cap of ${WORD_CAP}`}
    >
      <span className="words-meter__bar" style={{ width: scale(median) }} />
      <span className="words-meter__mark" style={{ left: scale(PEOPLE_MEDIAN_WORDS) }} title={`People: ${PEOPLE_MEDIAN_WORDS}`} />
      <span className="words-meter__mark words-meter__mark--cap" style={{ left: scale(WORD_CAP) }} title={`Cap: ${WORD_CAP}`} />
    </span>
  );
}
