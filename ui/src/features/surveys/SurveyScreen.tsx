import { useId, useMemo, useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ErrorBanner } from '../../components/ErrorBanner';
import type {
  JobView,
  QuestionOutlineView,
  SurveyDesignView,
  WorkspaceSummary,
} from '../../ipc/backend';
import {
  surveysPath,
  useHumanSets,
  useStartSurveyRun,
  useSurvey,
  useSurveyPreview,
  useSurveyRuns,
  useUpdateSurvey,
} from './surveyQueries';
import { DesignForm } from './DesignForm';
import { draftJson, prettyJson, readDraft } from './designDraft';
import type { DesignDraft } from './designDraft';
import './surveys.css';

const KIND_WORDS: Record<string, string> = {
  single_choice: 'one choice',
  multiple_choice: 'several choices',
  likert: 'rating',
  nps: '0–10 score',
  numeric: 'number',
  ranking: 'ranking',
  matrix: 'grid of ratings',
  open: 'own words',
};

interface Props {
  workspace: WorkspaceSummary;
  onJobStarted: (job: JobView) => void;
}

/** One survey: its design (the file, its outline and logic), a preview, and its runs. */
export function SurveyScreen({ workspace, onJobStarted }: Props) {
  const { surveyId = '' } = useParams();
  const survey = useSurvey(surveyId);
  const design = survey.data ?? null;
  return (
    <main className="surveys-screen" aria-labelledby="survey-title">
      <p className="breadcrumb">
        <Link to={surveysPath(workspace.id)}>Surveys</Link>
      </p>
      {survey.error !== null && (
        <ErrorBanner error={survey.error} context="Loading the survey" onRetry={() => void survey.refetch()} />
      )}
      {design && (
        <>
          <header className="dashboard__header">
            <div className="dashboard__title">
              <h1 id="survey-title">{design.summary.title}</h1>
              <p className="muted">
                {design.summary.questions} questions · version {design.summary.version}
              </p>
            </div>
          </header>
          <RunPanel workspaceId={workspace.id} design={design} onJobStarted={onJobStarted} />
          <div className="survey-design">
            <Outline design={design} />
            <Preview design={design} />
          </div>
          <DesignEditor key={design.summary.version} workspaceId={workspace.id} design={design} />
        </>
      )}
    </main>
  );
}

function Outline({ design }: { design: SurveyDesignView }) {
  return (
    <section className="card" aria-label="Questions">
      <div className="card__header">
        <h2>Questions</h2>
      </div>
      {design.intro && <p className="muted">{design.intro}</p>}
      <ol className="survey-outline" data-testid="survey-outline">
        {design.questions.map((q) => (
          <li key={q.id}>
            <strong>{q.text}</strong>{' '}
            <span className="badge">{KIND_WORDS[q.kind] ?? q.kind}</span>
            {q.randomized && <span className="badge">options shuffled</span>}
            <span className="muted"> [{q.id}]</span>
            {q.options.length > 0 && (
              <span className="muted survey-outline__options">
                {q.options.map((o) => o.label).join(' · ')}
              </span>
            )}
            {q.logic.map((l) => (
              <span key={l} className="survey-outline__logic">
                {l}
              </span>
            ))}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Pick answers and see which questions a respondent giving them is shown. */
function Preview({ design }: { design: SurveyDesignView }) {
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const preview = useSurveyPreview(design.summary.id, design.summary.version, answers);
  const steps = preview.data ?? [];
  const set = (id: string, value: string) => setAnswers((a) => ({ ...a, [id]: value }));
  return (
    <section className="card" aria-label="Preview">
      <div className="card__header">
        <h2>Preview</h2>
      </div>
      <p className="muted">Answer as a respondent would: the logic shows and skips questions as it will in a run.</p>
      <ol className="survey-preview" data-testid="survey-preview">
        {design.questions.map((q) => {
          const step = steps.find((s) => s.questionId === q.id);
          const shown = step?.shown ?? true;
          return (
            <li key={q.id} className={shown ? '' : 'survey-preview__hidden'} data-shown={shown}>
              <span>{q.text}</span>
              {shown ? (
                <PreviewInput question={q} value={answers[q.id] ?? ''} onChange={(v) => set(q.id, v)} />
              ) : (
                <span className="muted"> — not shown: {step?.reason}</span>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

function PreviewInput({
  question,
  value,
  onChange,
}: {
  question: QuestionOutlineView;
  value: string;
  onChange: (value: string) => void;
}) {
  if (question.kind === 'single_choice') {
    return (
      <select aria-label={`Answer to ${question.id}`} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">(not answered)</option>
        {question.options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.label}
          </option>
        ))}
      </select>
    );
  }
  if (question.kind === 'open' || question.kind === 'matrix' || question.kind === 'ranking' || question.kind === 'multiple_choice') {
    return null;
  }
  return (
    <input
      aria-label={`Answer to ${question.id}`}
      inputMode="numeric"
      className="survey-preview__number"
      value={value}
      placeholder={question.kind === 'nps' ? '0–10' : question.points ? `1–${question.points}` : 'number'}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

/**
 * The survey as its file, edited as a form or as the JSON beside it; checked on save, versioned.
 * The JSON text is what gets saved: a form edit rewrites it, and a JSON edit that reads as a
 * design updates the form (one that does not leaves the form on the last design that did).
 */
function DesignEditor({ workspaceId, design }: { workspaceId: string; design: SurveyDesignView }) {
  const [json, setJson] = useState(design.json);
  const [formDraft, setFormDraft] = useState<DesignDraft>(() => readDraft(design.json).draft ?? {});
  const reading = useMemo(() => readDraft(json), [json]);
  const update = useUpdateSurvey(workspaceId, design.summary.id);
  const changed = json !== design.json;
  const editJson = (text: string) => {
    setJson(text);
    const read = readDraft(text);
    if (read.draft !== null) setFormDraft(read.draft);
  };
  const editForm = (draft: DesignDraft) => {
    setFormDraft(draft);
    setJson(draftJson(draft));
  };
  return (
    <section className="card" aria-label="Design">
      <div className="card__header">
        <h2>Design</h2>
        <span className="muted">The survey format is in docs/survey-format.md; a mistake is named by question and field, and nothing is saved until it fits.</span>
      </div>
      <div className="design-editor">
        <DesignForm draft={formDraft} onChange={editForm} stale={reading.problem} />
        {/* Open by default: the JSON stays in view beside the form, and the desktop e2e types into it. */}
        <details className="design-json" open>
          <summary>Edit as JSON</summary>
          <textarea
            className="survey-json"
            rows={16}
            value={json}
            onChange={(e) => editJson(e.target.value)}
            spellCheck={false}
            aria-label="Survey file"
            data-testid="survey-editor"
          />
        </details>
      </div>
      <div className="form-row">
        <button
          type="button"
          className="btn btn--primary"
          disabled={!changed || update.isPending}
          onClick={() => update.mutate({ version: design.summary.version, json: prettyJson(json) })}
          data-testid="survey-save"
        >
          Save as version {design.summary.version + 1}
        </button>
        <button type="button" className="btn btn--ghost" disabled={!changed} onClick={() => editJson(design.json)}>
          Discard changes
        </button>
      </div>
      {update.error !== null && (
        <ErrorBanner error={update.error} context="Not saved" onDismiss={update.reset} />
      )}
    </section>
  );
}

function RunPanel({
  workspaceId,
  design,
  onJobStarted,
}: {
  workspaceId: string;
  design: SurveyDesignView;
  onJobStarted: (job: JobView) => void;
}) {
  const id = useId();
  const navigate = useNavigate();
  const runs = useSurveyRuns(design.summary.id);
  const people = useHumanSets(design.summary.id);
  const [size, setSize] = useState('50');
  const [seed, setSeed] = useState('');
  const [concurrency, setConcurrency] = useState('8');
  const [income, setIncome] = useState(false);
  const [like, setLike] = useState('');
  const start = useStartSurveyRun((run, job) => {
    if (job) onJobStarted(job);
    navigate(surveysPath(workspaceId, design.summary.id, run.id));
  });
  const n = Number(size);
  const sizeValid = Number.isInteger(n) && n >= 1 && n <= 10000;
  const seedValid = seed.trim() === '' || /^\d+$/.test(seed.trim());
  const likeSet = like || '';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!sizeValid || !seedValid) return;
    start.mutate({
      workspaceId,
      surveyId: design.summary.id,
      respondents: n,
      seed: seed.trim() === '' ? null : seed.trim(),
      concurrency: Math.max(1, Math.min(64, Number(concurrency) || 8)),
      census: likeSet === '',
      income: likeSet === '' && income,
      education: [],
      humanSetId: likeSet === '' ? null : likeSet,
    });
  };
  return (
    <section className="card" aria-label="Runs">
      <div className="card__header">
        <h2>Ask synthetic respondents</h2>
      </div>
      <form className="survey-run-form" onSubmit={submit}>
        <div className="field">
          <label htmlFor={`${id}-n`}>Respondents</label>
          <input id={`${id}-n`} type="number" min={1} max={10000} value={size} onChange={(e) => setSize(e.target.value)} aria-invalid={!sizeValid} data-testid="run-size" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-seed`}>Seed (optional)</label>
          <input id={`${id}-seed`} inputMode="numeric" value={seed} placeholder="random" onChange={(e) => setSeed(e.target.value)} aria-invalid={!seedValid} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-c`}>At once</label>
          <input id={`${id}-c`} type="number" min={1} max={64} value={concurrency} onChange={(e) => setConcurrency(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-universe`}>Drawn to</label>
          <select id={`${id}-universe`} value={likeSet} onChange={(e) => setLike(e.target.value)} data-testid="run-universe">
            <option value="">US adults (ACS 2024 S0101: age, sex, region) and your segments</option>
            {(people.data ?? []).map((h) => (
              <option key={h.id} value={h.id}>
                The {h.rows} people in {h.name} ({h.dimensions.join(', ')})
              </option>
            ))}
          </select>
        </div>
        {likeSet === '' && (
          <label className="checkbox">
            <input type="checkbox" checked={income} onChange={(e) => setIncome(e.target.checked)} /> Also household income (ACS 2013 B19001, households in 2013 dollars)
          </label>
        )}
        <button type="submit" className="btn btn--primary" disabled={!sizeValid || !seedValid || start.isPending} data-testid="run-start">
          {start.isPending ? 'Drawing respondents…' : `Run with ${sizeValid ? n : '…'} respondents`}
        </button>
      </form>
      {!sizeValid && <p className="form-error">A run has 1 to 10,000 respondents.</p>}
      {start.error !== null && <ErrorBanner error={start.error} context="The run did not start" onDismiss={start.reset} />}
      {runs.data && runs.data.length > 0 && (
        <ul className="survey-runs" aria-label="Runs of this survey">
          {runs.data.map((r) => (
            <li key={r.id} data-testid="survey-run-item">
              <Link to={surveysPath(workspaceId, design.summary.id, r.id)}>{r.title}</Link>{' '}
              <span className={`badge badge--${r.status === 'completed' ? 'succeeded' : r.status === 'failed' ? 'failed' : 'running'}`}>{r.status}</span>{' '}
              <span className="muted">
                {r.answered} of {r.respondents} answered · {r.createdAt.slice(0, 10)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
