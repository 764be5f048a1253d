import { useState } from 'react';
import type { ChangeEvent } from 'react';
import { Link, useParams } from 'react-router';
import { ErrorBanner } from '../../components/ErrorBanner';
import type {
  JobView,
  QuestionResultView,
  SurveyDesignView,
  SurveyRunView,
  WorkspaceSummary,
} from '../../ipc/backend';
import { addToSavedDeck } from '../decks/deckQueries';
import { InlineJobProgress } from '../evidence/charts';
import { ReportCard } from './ReportCard';
import { MarginTable, OverlayBars, ShareBars, decimal, percent } from './surveyCharts';
import {
  csvHeaders,
  surveysPath,
  useExportSurveyResults,
  useHumanSets,
  useImportHumanAnswers,
  useResumeSurveyRun,
  useSurvey,
  useSurveyCrosstab,
  useSurveyFidelity,
  useSurveyResults,
  useSurveyRun,
} from './surveyQueries';
import './surveys.css';

interface Props {
  workspace: WorkspaceSummary;
  jobs: readonly JobView[];
  onJobStarted: (job: JobView) => void;
}

const RELIABILITY_WORDS: Record<string, string> = {
  no_warning: 'No warning sign',
  caution: 'Read with care',
  confirm_with_people: 'Confirm with real respondents',
};

/** A run: its progress while it answers, then its results, crosstabs and fidelity. */
export function RunScreen({ workspace, jobs, onJobStarted }: Props) {
  const { surveyId = '', runId = '' } = useParams();
  const run = useSurveyRun(runId);
  const survey = useSurvey(surveyId);
  const current = run.data ?? null;
  const answering = current !== null && (current.status === 'queued' || current.status === 'running');
  const job = current?.jobId ? (jobs.find((j) => j.id === current.jobId) ?? null) : null;
  const resume = useResumeSurveyRun((started) => {
    if (started) onJobStarted(started);
  });
  return (
    <main className="surveys-screen" aria-labelledby="run-title">
      <p className="breadcrumb">
        <Link to={surveysPath(workspace.id)}>Surveys</Link> ›{' '}
        <Link to={surveysPath(workspace.id, surveyId)}>{survey.data?.summary.title ?? 'Survey'}</Link>
      </p>
      {run.error !== null && <ErrorBanner error={run.error} context="Loading the run" onRetry={() => void run.refetch()} />}
      {current && (
        <>
          <header className="dashboard__header">
            <div className="dashboard__title">
              <h1 id="run-title">{current.title}</h1>
              <p className="muted" data-testid="run-status">
                {current.status} · {current.answered} of {current.respondents} respondents answered · seed {current.seed}
                {current.answeringModel && ` · answered by ${current.answeringModel}`}
                {current.embeddingModel && `, rated with ${current.embeddingModel}`}
              </p>
              {current.statusNote && <p className="banner banner--info">{current.statusNote}</p>}
            </div>
            <div className="dashboard__actions">
              {job && answering && <InlineJobProgress job={job} testId="run-progress" />}
              {!answering && current.answered < current.respondents && (
                <button type="button" className="btn" onClick={() => resume.mutate(current.id)} disabled={resume.isPending} data-testid="run-resume">
                  Resume ({current.respondents - current.answered} to ask)
                </button>
              )}
            </div>
          </header>
          <div className="run-meter" role="progressbar" aria-valuemin={0} aria-valuemax={current.respondents} aria-valuenow={current.answered} aria-label="Respondents answered">
            <span style={{ width: `${(current.answered / Math.max(1, current.respondents)) * 100}%` }} />
          </div>
          {resume.error !== null && <ErrorBanner error={resume.error} context="Not resumed" onDismiss={resume.reset} />}
          {current.answered > 0 && survey.data && <Results workspaceId={workspace.id} run={current} design={survey.data} jobs={jobs} onJobStarted={onJobStarted} />}
        </>
      )}
    </main>
  );
}

function Results({
  workspaceId,
  run,
  design,
  jobs,
  onJobStarted,
}: {
  workspaceId: string;
  run: SurveyRunView;
  design: SurveyDesignView;
  jobs: readonly JobView[];
  onJobStarted: (job: JobView) => void;
}) {
  const [weighted, setWeighted] = useState(true);
  const [temperature, setTemperature] = useState(1);
  const results = useSurveyResults(run.id, weighted, temperature, true);
  const exporter = useExportSurveyResults();
  const data = results.data ?? null;
  return (
    <>
      <section className="card" aria-label="Weighting">
        <div className="card__header">
          <h2>Who answered</h2>
          <div className="form-row">
            <label className="checkbox">
              <input type="checkbox" checked={weighted} onChange={(e) => setWeighted(e.target.checked)} data-testid="results-weighted" /> Weighted to the targets
            </label>
            <label>
              Rating temperature{' '}
              <select value={temperature} onChange={(e) => setTemperature(Number(e.target.value))} aria-label="Rating temperature">
                <option value={0.5}>0.5 (sharper)</option>
                <option value={1}>1 (as rated)</option>
                <option value={1.5}>1.5 (flatter)</option>
              </select>
            </label>
            <button type="button" className="btn btn--small" onClick={() => exporter.mutate({ runId: run.id, format: 'csv', weighted, temperature })} data-testid="export-csv">
              Export CSV
            </button>
            <button type="button" className="btn btn--small" onClick={() => exporter.mutate({ runId: run.id, format: 'xlsx', weighted, temperature })} data-testid="export-xlsx">
              Export XLSX
            </button>
          </div>
        </div>
        {exporter.data && <p className="muted" data-testid="export-path">Saved to {exporter.data}</p>}
        {exporter.error !== null && <ErrorBanner error={exporter.error} context="Not exported" onDismiss={exporter.reset} />}
        {results.error !== null && <ErrorBanner error={results.error} context="Reading the results" onRetry={() => void results.refetch()} />}
        {data && (
          <>
            <p className="muted">
              {data.weighting.weighted
                ? `Raked to the targets: design effect ${decimal(data.weighting.designEffect)}, effective base ${decimal(data.weighting.effectiveBase, 0)} of ${data.run.answered}${data.weighting.converged ? '' : ' (raking did not fully converge)'}.`
                : 'Unweighted: every respondent counts once.'}
              {data.weighting.weighted && data.weighting.trimmedWeights > 0 && ` ${data.weighting.trimmedWeights} weights were trimmed to 0.3–3 times the mean.`}
              {data.weighting.unfilled.length > 0 && ` No respondent fell in ${data.weighting.unfilled.join(', ')}; the others stand for them.`}
            </p>
            <MarginTable margins={data.weighting.margins} />
            <ul className="muted universe-sources">
              {run.universe.map((d) => (
                <li key={d.name}>
                  {d.name.replace('_', ' ')}: {d.source}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
      <ReportCard key={run.id} workspaceId={workspaceId} run={run} weighted={weighted} temperature={temperature} jobs={jobs} onJobStarted={onJobStarted} />
      {data && (
        <section aria-label="Results" className="survey-results" data-testid="survey-results">
          {data.questions.map((q) => (
            <QuestionCard key={q.questionId} question={q} />
          ))}
        </section>
      )}
      {data && <CrosstabCard workspaceId={workspaceId} run={run} questions={data.questions} weighted={weighted} />}
      <FidelityCard run={run} design={design} weighted={weighted} temperature={temperature} />
    </>
  );
}

function QuestionCard({ question }: { question: QuestionResultView }) {
  const d = question.diagnostics;
  return (
    <article className="card question-card" data-testid="question-result" data-question={question.questionId}>
      <div className="card__header">
        <h3>{question.text}</h3>
        <span className="muted">
          [{question.questionId}] {question.answered} of {question.asked} answered · base {decimal(question.effectiveBase, 0)}
        </span>
      </div>
      {question.shares.length > 0 && <ShareBars shares={question.shares} testId={`chart-${question.questionId}`} />}
      {question.mean && (
        <p>
          Mean {decimal(question.mean.value)} <span className="muted">(95% {decimal(question.mean.low)}–{decimal(question.mean.high)}), spread {decimal(question.mean.standardDeviation)}</span>
        </p>
      )}
      {question.netPromoter && (
        <p>
          NPS {decimal(question.netPromoter.score, 0)} <span className="muted">(95% {decimal(question.netPromoter.low, 0)} to {decimal(question.netPromoter.high, 0)}): {percent(question.netPromoter.promoters)} promoters, {percent(question.netPromoter.detractors)} detractors</span>
        </p>
      )}
      {question.ranks.map((r) => (
        <p key={r.label} className="muted">
          {r.label}: mean rank {decimal(r.mean.value)}
        </p>
      ))}
      {question.rows.map((r) => (
        <p key={r.label} className="muted">
          {r.label}: mean {decimal(r.mean.value)}
        </p>
      ))}
      {question.kind === 'open' && question.themes === null && (
        <p className="muted">The answers are coded into themes once the run has answered. They are searchable on the Search screen (kind: open end).</p>
      )}
      {question.themes !== null && question.themes.length === 0 && (
        <p className="muted">Too few answers were alike to make themes.</p>
      )}
      {question.themes !== null && question.themes.length > 0 && (
        <div data-testid={`themes-${question.questionId}`}>
          <ShareBars shares={question.themes.map((t) => t.share)} testId={`theme-chart-${question.questionId}`} />
          {question.themes.map((t) => (
            <details key={t.name} className="open-theme">
              <summary>
                {t.name} <span className="muted">({t.namedBy === 'keywords' ? 'named by its words' : `named by ${t.namedBy}`})</span>
              </summary>
              <ul>
                {t.quotes.map((q) => (
                  <li key={q.respondent}>
                    “{q.text}” <span className="muted">— respondent {q.respondent + 1}</span>
                  </li>
                ))}
              </ul>
            </details>
          ))}
        </div>
      )}
      {question.nonResponses.map((n) => (
        <p key={n.reason} className="muted">
          No answer from {n.count}: {n.reason}
        </p>
      ))}
      {d && (
        <div className={`reliability reliability--${d.reliability}`} data-testid="reliability" data-reliability={d.reliability}>
          <strong>{RELIABILITY_WORDS[d.reliability] ?? d.reliability}</strong>
          <span className="muted">
            {d.spreadRatio !== null && ` · spread ${percent(d.spreadRatio)} of ${d.spreadReference === 'human' ? "people's" : 'what people usually give'}`}
            {d.rSquared !== null && ` · demographics explain ${percent(d.rSquared)}`}
            {d.order && (d.order.qValue ?? 1) < 0.05 && ` · "${d.order.option}" got ${percent(d.order.forwardShare)} in one order, ${percent(d.order.reversedShare)} reversed`}
          </span>
          {d.reasons.length > 0 && (
            <ul>
              {d.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </article>
  );
}

function CrosstabCard({
  workspaceId,
  run,
  questions,
  weighted,
}: {
  workspaceId: string;
  run: SurveyRunView;
  questions: readonly QuestionResultView[];
  weighted: boolean;
}) {
  const crossable = questions.filter((q) => ['single_choice', 'likert', 'nps'].includes(q.kind));
  const [questionId, setQuestionId] = useState(crossable[0]?.questionId ?? '');
  const [dimension, setDimension] = useState(run.universe.find((d) => d.name === 'segment')?.name ?? run.universe[0]?.name ?? '');
  const table = useSurveyCrosstab(run.id, questionId, dimension, weighted);
  const [added, setAdded] = useState<string | null>(null);
  const addToDeck = async () => {
    const key = `crosstab:${run.id}:${questionId}:${dimension}`;
    try {
      const fresh = await addToSavedDeck(workspaceId, {
        kind: 'crosstab',
        key,
        from: null,
        to: null,
        id: run.id,
        questions: [],
        question: questionId,
        dimension,
        agent: null,
        set: null,
      });
      setAdded(fresh ? 'Added to the client deck (Decks).' : 'The client deck has this crosstab already.');
    } catch {
      setAdded('The client deck could not be read; open Decks and try again.');
    }
  };
  if (crossable.length === 0) return null;
  const t = table.data ?? null;
  return (
    <section className="card" aria-label="Crosstab">
      <div className="card__header">
        <h2>Crosstab</h2>
        <div className="form-row">
          <select aria-label="Question" value={questionId} onChange={(e) => setQuestionId(e.target.value)} data-testid="crosstab-question">
            {crossable.map((q) => (
              <option key={q.questionId} value={q.questionId}>
                {q.text}
              </option>
            ))}
          </select>
          by
          <select aria-label="Dimension" value={dimension} onChange={(e) => setDimension(e.target.value)} data-testid="crosstab-dimension">
            {run.universe.map((d) => (
              <option key={d.name} value={d.name}>
                {d.name.replace('_', ' ')}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn btn--small"
            onClick={() => void addToDeck()}
            disabled={questionId === '' || dimension === ''}
            title="The crosstab as this screen shows it, read weighted"
            data-testid="crosstab-to-deck"
          >
            Add to the client deck
          </button>
        </div>
      </div>
      {added && (
        <p className="muted" role="status">
          {added}
        </p>
      )}
      {table.error !== null && <ErrorBanner error={table.error} context="No crosstab" />}
      {t && (
        <>
          <div className="table-scroll">
            <table className="data-table crosstab" data-testid="crosstab-table">
              <thead>
                <tr>
                  <th scope="col">Answer</th>
                  {t.columns.map((c, i) => (
                    <th key={c} scope="col">
                      {c} <span className="muted">({t.letters[i]}, base {decimal(t.effectiveBases[i], 0)})</span>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {t.rows.map((r, ri) => (
                  <tr key={r}>
                    <th scope="row">{r}</th>
                    {t.columns.map((c, ci) => (
                      <td key={c}>
                        {percent(t.shares[ri]?.[ci] ?? 0)} <strong className="crosstab__letters">{t.higherThan[ri]?.[ci] ?? ''}</strong>
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted">
            Letters mark columns this one is significantly higher than (column-proportion tests, Benjamini–Hochberg across the cells); columns with an effective base under 30 are not lettered.
            {t.chiSquare && ` χ² ${decimal(t.chiSquare.statistic, 1)} after the design effect ${decimal(t.chiSquare.designEffect)}, ${t.chiSquare.degreesOfFreedom} df, p = ${decimal(t.chiSquare.pValue, 3)}.`}
          </p>
        </>
      )}
    </section>
  );
}

function FidelityCard({
  run,
  design,
  weighted,
  temperature,
}: {
  run: SurveyRunView;
  design: SurveyDesignView;
  weighted: boolean;
  temperature: number;
}) {
  const sets = useHumanSets(design.summary.id);
  const [chosen, setChosen] = useState('');
  const setId = chosen || sets.data?.[0]?.id || '';
  const fidelity = useSurveyFidelity(run.id, setId, weighted, temperature);
  const f = fidelity.data ?? null;
  return (
    <section className="card" aria-label="Fidelity">
      <div className="card__header">
        <h2>Against real people</h2>
        {sets.data && sets.data.length > 0 && (
          <select aria-label="People's answers" value={setId} onChange={(e) => setChosen(e.target.value)}>
            {sets.data.map((h) => (
              <option key={h.id} value={h.id}>
                {h.name} ({h.rows} people)
              </option>
            ))}
          </select>
        )}
      </div>
      <HumanImport run={run} design={design} />
      {fidelity.error !== null && <ErrorBanner error={fidelity.error} context="No comparison" />}
      {f && (
        <div data-testid="fidelity-view">
          <p className="muted">
            {f.humanRows} people{f.skipped.length > 0 && ` (${f.skipped.length} rows skipped)`}
            {f.by && `, subgroups by ${f.by.replace('_', ' ')}`}. Overall: KS similarity {decimal(f.meanKsSimilarity)}, Jensen–Shannon {decimal(f.meanJensenShannonBits)} bits, spread ratio {decimal(f.meanStandardDeviationRatio)}, subgroup correlation {decimal(f.meanSubgroupCorrelation)}.
          </p>
          <p className="legend">
            <span className="legend__swatch legend__swatch--synthetic" /> synthetic <span className="legend__swatch legend__swatch--human" /> people
          </p>
          {f.questions.map((q) => (
            <article key={q.questionId} className="fidelity-question" data-testid="fidelity-question">
              <h3>{q.text}</h3>
              <p className="muted">
                {q.syntheticAnswers} synthetic · {q.humanAnswers} people · {q.ordered ? `KS ${decimal(q.ksSimilarity)} · mean × ${decimal(q.meanRatio)} · spread × ${decimal(q.standardDeviationRatio)}` : 'unordered answers: KS and ratios do not apply'} · JSD {decimal(q.jensenShannonBits)} bits
                {q.subgroupCorrelation !== null && ` · subgroup r ${decimal(q.subgroupCorrelation)} over ${q.subgroups}`}
              </p>
              {q.categories.length > 0 && <OverlayBars categories={q.categories} synthetic={q.synthetic} human={q.human} testId={`overlay-${q.questionId}`} />}
            </article>
          ))}
          {f.skipped.slice(0, 5).map((s) => (
            <p key={s.line} className="muted">
              Skipped line {s.line}: {s.reason}
            </p>
          ))}
        </div>
      )}
    </section>
  );
}

/** Read a CSV of people's answers, a column picked for each question and dimension. */
function HumanImport({ run, design }: { run: SurveyRunView; design: SurveyDesignView }) {
  const [csv, setCsv] = useState('');
  const [name, setName] = useState('');
  const [questions, setQuestions] = useState<Record<string, string>>({});
  const [dimensions, setDimensions] = useState<Record<string, string>>({});
  const importer = useImportHumanAnswers(design.summary.id);
  const headers = csv ? csvHeaders(csv) : [];
  const read = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) return;
    setName(file.name);
    void file.text().then((text) => {
      setCsv(text);
      const found = csvHeaders(text);
      // Columns named like a question or dimension are picked for it.
      setQuestions(Object.fromEntries(design.questions.filter((q) => found.includes(q.id)).map((q) => [q.id, q.id])));
      setDimensions(Object.fromEntries(run.universe.filter((d) => found.includes(d.name)).map((d) => [d.name, d.name])));
    });
  };
  const pairs = (map: Record<string, string>) =>
    Object.entries(map)
      .filter(([, column]) => column !== '')
      .map(([n, column]) => ({ name: n, column }));
  return (
    <details className="human-import">
      <summary>Add real people's answers (CSV)</summary>
      <input type="file" accept=".csv,.tsv,.txt,text/csv" onChange={read} aria-label="People's answers file" data-testid="human-file" />
      {headers.length > 0 && (
        <div className="human-import__map">
          {design.questions.map((q) => (
            <label key={q.id}>
              {q.id}{' '}
              <select value={questions[q.id] ?? ''} onChange={(e) => setQuestions((m) => ({ ...m, [q.id]: e.target.value }))}>
                <option value="">(none)</option>
                {headers.map((h) => (
                  <option key={h} value={h}>
                    {h}
                  </option>
                ))}
              </select>
            </label>
          ))}
          {run.universe.map((d) => (
            <label key={d.name}>
              {d.name.replace('_', ' ')}{' '}
              <select value={dimensions[d.name] ?? ''} onChange={(e) => setDimensions((m) => ({ ...m, [d.name]: e.target.value }))}>
                <option value="">(none)</option>
                {headers.map((h) => (
                  <option key={h} value={h}>
                    {h}
                  </option>
                ))}
              </select>
            </label>
          ))}
          <button
            type="button"
            className="btn"
            disabled={pairs(questions).length === 0 || importer.isPending}
            onClick={() => importer.mutate({ runId: run.id, name, csv, questions: pairs(questions), dimensions: pairs(dimensions) })}
          >
            Read the answers
          </button>
        </div>
      )}
      {importer.data && (
        <p className="muted">
          Read {importer.data.rows} people; skipped {importer.data.skipped.length} rows.
        </p>
      )}
      {importer.error !== null && <ErrorBanner error={importer.error} context="Not read" onDismiss={importer.reset} />}
    </details>
  );
}
