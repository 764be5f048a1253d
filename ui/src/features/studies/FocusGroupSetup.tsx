import { useDeferredValue, useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { ErrorBanner } from '../../components/ErrorBanner';
import { isBackendError } from '../../ipc/backend';
import type { WorkspaceSummary } from '../../ipc/backend';
import { useTwins } from '../twins/twinQueries';
import { BudgetAndSeed, EstimatePanel, budgetAndSeedInput } from './EstimatePanel';
import { GuideEditor, guideText } from './GuideEditor';
import type { GuideEditorState } from './GuideEditor';
import { emptyGuide, guideToToml } from './guideToml';
import { studiesPath, useFocusGroupEstimate, useStartFocusGroup } from './studyQueries';
import './studies.css';

const EMPTY_GUIDE_TOML = guideToToml(emptyGuide());
const MIN_TWINS = 2;
const MAX_TWINS = 12;

/** Sets up a focus group: its guide, 2–12 twins, a live estimate, then starts it. */
export function FocusGroupSetup({ workspace }: { workspace: WorkspaceSummary }) {
  const navigate = useNavigate();
  const [editor, setEditor] = useState<GuideEditorState>({ mode: 'form', draft: emptyGuide(), toml: '' });
  const [picked, setPicked] = useState<string[]>([]);
  const [budget, setBudget] = useState('');
  const [seed, setSeed] = useState('');
  const twins = useTwins(workspace.id);
  const guide = guideText(editor);
  // Nothing typed yet: no estimate, so an empty guide is not reported as invalid.
  const untouched = editor.mode === 'form' && guide === EMPTY_GUIDE_TOML;
  // Typing should not ask for an estimate per keystroke before React has drawn the letter.
  const deferredGuide = useDeferredValue(untouched ? '' : guide);
  const estimate = useFocusGroupEstimate(workspace.id, deferredGuide, Math.max(picked.length, MIN_TWINS));
  const start = useStartFocusGroup(workspace.id);
  const extras = budgetAndSeedInput(budget, seed);
  const enoughTwins = picked.length >= MIN_TWINS && picked.length <= MAX_TWINS;
  // An invalid guide is named by the backend (line and field), from the estimate or the start.
  const guideError =
    (isBackendError(start.error) && start.error.kind === 'invalidInput' ? start.error : null) ??
    (isBackendError(estimate.error) && estimate.error.kind === 'invalidInput' ? estimate.error : null);

  const toggle = (id: string) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : p.length >= MAX_TWINS ? p : [...p, id]));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!enoughTwins || extras === null) return;
    start.mutate(
      { workspaceId: workspace.id, guide, twinIds: picked, ...extras },
      { onSuccess: (session) => void navigate(studiesPath(workspace.id, encodeURIComponent(session.id))) },
    );
  };

  return (
    <main className="studies-screen" aria-labelledby="fg-setup-title">
      <Link to={studiesPath(workspace.id)} className="btn btn--small btn--ghost studies-back">
        ← All studies
      </Link>
      <header className="dashboard__header">
        <div className="dashboard__title">
          <h1 id="fg-setup-title">New focus group</h1>
          <p className="muted">
            A moderator takes 2–12 twins through your guide, section by section. You can pause it,
            speak as the moderator or add a probe while it runs.
          </p>
        </div>
      </header>
      <form className="study-setup" onSubmit={submit} aria-label="Focus group setup">
        <div className="study-setup__main">
          <GuideEditor state={editor} onChange={setEditor} brand={workspace.brand} />
          {guideError && (
            <div className="guide-error" data-testid="guide-error">
              <ErrorBanner error={guideError} context="The guide is not valid" />
            </div>
          )}
        </div>
        <aside className="study-setup__side">
          <section className="card" aria-labelledby="participants-title">
            <header className="card__header">
              <h3 id="participants-title">Participants</h3>
              <span className="muted" data-testid="participants-count">
                {picked.length} of {MIN_TWINS}–{MAX_TWINS}
              </span>
            </header>
            {twins.error !== null && <ErrorBanner error={twins.error} context="Loading the twins" onRetry={() => void twins.refetch()} />}
            {twins.data && twins.data.length < MIN_TWINS && (
              <p className="empty-hint">
                A focus group needs at least two twins. <Link to={`/w/${encodeURIComponent(workspace.id)}/twins`}>Create twins</Link> first.
              </p>
            )}
            <ul className="twin-picker">
              {(twins.data ?? []).map((t) => (
                <li key={t.id}>
                  <label>
                    <input
                      type="checkbox"
                      checked={picked.includes(t.id)}
                      onChange={() => toggle(t.id)}
                      disabled={!picked.includes(t.id) && picked.length >= MAX_TWINS}
                      data-testid={`pick-twin-${t.id}`}
                    />
                    <span>
                      <strong>{t.name}</strong>{' '}
                      <span className="muted">
                        {t.age} · {t.occupation}
                        {t.audienceName ? ` · ${t.audienceName}` : ''}
                      </span>
                    </span>
                  </label>
                </li>
              ))}
            </ul>
          </section>
          <EstimatePanel plan={estimate.data} error={estimate.error && !guideError ? estimate.error : null} loading={estimate.isFetching} />
          <section className="card">
            <BudgetAndSeed budget={budget} seed={seed} onBudget={setBudget} onSeed={setSeed} />
          </section>
          {start.error !== null && !guideError && (
            <ErrorBanner error={start.error} context="Could not start the focus group" onDismiss={start.reset} />
          )}
          <button
            type="submit"
            className="btn btn--primary btn--block"
            disabled={!enoughTwins || extras === null || start.isPending}
            data-testid="start-focus-group"
          >
            {start.isPending ? 'Starting…' : 'Start focus group'}
          </button>
          {!enoughTwins && <p className="muted">Pick at least two twins to start.</p>}
        </aside>
      </form>
    </main>
  );
}
