import { useState } from 'react';
import type { ChangeEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { ErrorBanner } from '../../components/ErrorBanner';
import type { WorkspaceSummary } from '../../ipc/backend';
import { formatDate } from '../../format';
import { surveysPath, useImportAnes96, useImportSurvey, useSurveys } from './surveyQueries';
import './surveys.css';

/** A small survey to start from: every kind of question, skip logic and piping. */
export const STARTER_SURVEY = `{
  "format": "profitwheel-survey",
  "version": 1,
  "title": "New survey",
  "questions": [
    { "id": "aware", "type": "single_choice", "text": "Have you heard of our brand?", "randomize": true,
      "options": [ { "id": "yes", "label": "Yes" }, { "id": "no", "label": "No" } ],
      "skip": [ { "if": { "question": "aware", "chose": ["no"] }, "to": "intent" } ] },
    { "id": "liking", "type": "likert", "text": "I like the brand.", "points": 5,
      "labels": ["Strongly disagree", "Strongly agree"] },
    { "id": "recommend", "type": "nps", "text": "How likely are you to recommend it to a friend?" },
    { "id": "intent", "type": "likert", "text": "I would buy the gift box at $39.", "points": 5,
      "labels": ["Strongly disagree", "Strongly agree"] },
    { "id": "why", "type": "open", "text": "What would make you more likely to buy it?" }
  ]
}
`;

/** A workspace's surveys: import one, start from a template, or try the ANES example. */
export function SurveysScreen({ workspace }: { workspace: WorkspaceSummary }) {
  const surveys = useSurveys(workspace.id);
  const navigate = useNavigate();
  const importSurvey = useImportSurvey(workspace.id);
  const anes = useImportAnes96(workspace.id);
  const [text, setText] = useState('');

  const open = (surveyId: string) => navigate(surveysPath(workspace.id, surveyId));
  const submit = (json: string) =>
    importSurvey.mutate(json, { onSuccess: (design) => open(design.summary.id) });
  const readFile = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (file) void file.text().then(setText);
  };

  return (
    <main className="surveys-screen" aria-labelledby="surveys-title">
      <header className="dashboard__header">
        <div className="dashboard__title">
          <h1 id="surveys-title">Surveys</h1>
          <p className="muted">
            Questionnaires answered by synthetic respondents drawn to census targets and your
            audiences. Every result shows its interval and the diagnostics that say when to
            confirm with real people.
          </p>
        </div>
      </header>
      <section className="card" aria-label="Add a survey">
        <div className="card__header">
          <h2>Add a survey</h2>
        </div>
        <div className="survey-add">
          <button
            type="button"
            className="btn btn--primary"
            onClick={() => submit(STARTER_SURVEY)}
            disabled={importSurvey.isPending}
            data-testid="new-survey"
          >
            Start from a template
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => anes.mutate(undefined, { onSuccess: (v) => open(v.survey.id) })}
            disabled={anes.isPending}
            data-testid="anes-example"
          >
            {anes.isPending ? 'Reading 944 answers…' : 'Try the ANES 1996 example (real answers)'}
          </button>
          <label className="btn btn--ghost">
            Choose a survey file…
            <input type="file" accept=".json,application/json" onChange={readFile} hidden />
          </label>
        </div>
        <div className="field">
          <label htmlFor="survey-json">Or paste a survey file (docs/survey-format.md)</label>
          <textarea
            id="survey-json"
            className="survey-json"
            rows={6}
            value={text}
            onChange={(e) => setText(e.target.value)}
            spellCheck={false}
            data-testid="survey-import-text"
          />
        </div>
        <button
          type="button"
          className="btn"
          onClick={() => submit(text)}
          disabled={text.trim() === '' || importSurvey.isPending}
          data-testid="survey-import"
        >
          Import
        </button>
        {importSurvey.error !== null && (
          <ErrorBanner error={importSurvey.error} context="The survey was not imported" onDismiss={importSurvey.reset} />
        )}
        {anes.error !== null && (
          <ErrorBanner error={anes.error} context="The ANES example could not be read" onDismiss={anes.reset} />
        )}
      </section>
      {surveys.error !== null && (
        <ErrorBanner error={surveys.error} context="Loading the surveys" onRetry={() => void surveys.refetch()} />
      )}
      {surveys.data && surveys.data.length === 0 && (
        <p className="empty-hint" data-testid="surveys-empty">
          No surveys yet: start from the template, or try the ANES example to see synthetic
          answers set against real ones.
        </p>
      )}
      {surveys.data && surveys.data.length > 0 && (
        <ul className="survey-list" aria-label="Surveys of this workspace">
          {surveys.data.map((s) => (
            <li key={s.id} className="survey-list__item" data-testid="survey-item">
              <Link to={surveysPath(workspace.id, s.id)}>{s.title}</Link>
              <span className="muted">
                {s.questions} questions · version {s.version} · edited {formatDate(s.updatedAt.slice(0, 10))}
              </span>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
