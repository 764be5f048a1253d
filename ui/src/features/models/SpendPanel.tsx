import { memo, useMemo, useState } from 'react';
import type { FormEvent } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatDate, isZeroMicros, microsToUnits } from '../../format';
import { backend } from '../../ipc/backend';
import type { SpendStudy, WorkspaceSummary } from '../../ipc/backend';
import { formatModelCost } from './cost';
import { useModelSpend } from './modelQueries';

const DAYS = 30;

interface Props {
  workspace: WorkspaceSummary;
  /** The workspace's own model changed; the summary should be reloaded. */
  onWorkspaceChanged?: () => void;
}

/** What this workspace's model calls cost, per day and per study, and which model it uses. */
export const SpendPanel = memo(function SpendPanel({ workspace, onWorkspaceChanged }: Props) {
  const { data, error, refetch } = useModelSpend(workspace.id, DAYS);
  const spend = data ?? null;

  // Calls to an unpriced model cost something unknown, so they never make the spend "free".
  const free = spend !== null && isZeroMicros(spend.totalMicros) && spend.unpricedCalls === 0;
  // Bars need numbers: the exact amounts stay in the labels and tooltips' formatter input.
  const days = useMemo(
    () => spend?.byDay.map((d) => ({ ...d, cost: microsToUnits(d.costMicros) })) ?? [],
    [spend],
  );

  return (
    <section className="card" data-testid="model-spend" aria-labelledby="spend-heading">
      <header className="card__header">
        <h3 id="spend-heading">Model spend</h3>
        {spend && (
          <span className="muted" data-testid="spend-total">
            {formatModelCost(spend.totalMicros)} on {spend.calls.toLocaleString()}{' '}
            {spend.calls === 1 ? 'call' : 'calls'} ·{' '}
            {spend.cacheHits.toLocaleString()} from the cache · {spend.failedCalls.toLocaleString()}{' '}
            failed
            {spend.unpricedCalls > 0 && (
              <span data-testid="spend-unpriced">
                {' '}
                · {spend.unpricedCalls.toLocaleString()} {spend.unpricedCalls === 1 ? 'call' : 'calls'} to a model
                without a price (cost unknown, not in the total)
              </span>
            )}
          </span>
        )}
      </header>
      {error !== null && <ErrorBanner error={error} context="Loading model spend" onRetry={() => void refetch()} />}
      <WorkspaceModelForm workspace={workspace} onSaved={onWorkspaceChanged} />
      {spend &&
        (spend.calls === 0 ? (
          <p className="empty-hint">
            No model calls in this workspace yet. Research runs will show their cost here, per day
            and per study.
          </p>
        ) : (
          <>
            {/* Local models cost nothing: a chart of $0 says less than one of calls. */}
            <p className="muted" data-testid="spend-chart-caption">
              {free ? 'Calls per day (local models cost nothing)' : 'Cost per day'}
            </p>
            <div className="chart-frame chart-frame--short">
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={days} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="day" tickFormatter={(d: string) => formatDate(d, { withYear: false })} />
                  <YAxis
                    width={72}
                    allowDecimals={!free}
                    tickFormatter={(v: number) => (free ? v.toLocaleString() : formatModelCost(v * 1_000_000))}
                  />
                  <Tooltip
                    labelFormatter={(d) => formatDate(String(d))}
                    formatter={(value) =>
                      typeof value === 'number'
                        ? free
                          ? value.toLocaleString()
                          : formatModelCost(value * 1_000_000)
                        : String(value)
                    }
                  />
                  <Bar
                    dataKey={free ? 'calls' : 'cost'}
                    name={free ? 'Calls' : 'Cost'}
                    fill="var(--accent)"
                    isAnimationActive={false}
                  />
                </BarChart>
              </ResponsiveContainer>
            </div>
            {spend.byStudy.length > 0 && (
              <ul className="budget-list" aria-label="Spend per study">
                {spend.byStudy.map((s) => (
                  <StudyBudget key={s.studyId} study={s} />
                ))}
              </ul>
            )}
          </>
        ))}
    </section>
  );
});

function StudyBudget({ study }: { study: SpendStudy }) {
  const budget = study.budgetMicros !== null ? microsToUnits(study.budgetMicros) : 0;
  const share = budget > 0 ? Math.min(1, microsToUnits(study.spentMicros) / budget) : null;
  return (
    <li className="budget" data-testid={`study-spend-${study.studyId}`}>
      <span className="budget__title">{study.title}</span>
      <span className="muted">
        {formatModelCost(study.spentMicros)}
        {study.budgetMicros !== null ? ` of ${formatModelCost(study.budgetMicros)}` : ' · no cap'}
      </span>
      {share !== null && (
        <div
          className={share >= 1 ? 'budget__bar budget__bar--full' : 'budget__bar'}
          role="progressbar"
          aria-label={`${study.title} budget used`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(share * 100)}
        >
          <span style={{ width: `${share * 100}%` }} />
        </div>
      )}
    </li>
  );
}

function WorkspaceModelForm({
  workspace,
  onSaved,
}: {
  workspace: WorkspaceSummary;
  onSaved?: () => void;
}) {
  const current = workspace.defaultModel;
  const [text, setText] = useState(current ? `${current.vendor}/${current.model}` : '');
  const [error, setError] = useState<unknown>(null);

  async function save(event: FormEvent) {
    event.preventDefault();
    const trimmed = text.trim();
    const slash = trimmed.indexOf('/');
    if (trimmed && slash <= 0) {
      setError({ kind: 'invalidInput', message: 'Write it as vendor/model, e.g. openai/gpt-4o-mini' });
      return;
    }
    try {
      await backend.setWorkspaceModel({
        workspaceId: workspace.id,
        model: trimmed ? { vendor: trimmed.slice(0, slash), model: trimmed.slice(slash + 1) } : null,
      });
      setError(null);
      onSaved?.();
    } catch (e) {
      setError(e);
    }
  }

  return (
    <form className="inline-form" onSubmit={(e) => void save(e)} aria-label="Model for this workspace">
      <label htmlFor="workspace-model" className="muted">
        This workspace answers with
      </label>
      <input
        id="workspace-model"
        placeholder="the models per task"
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit" className="btn btn--small">
        Save
      </button>
      {error !== null && <ErrorBanner error={error} onDismiss={() => setError(null)} />}
    </form>
  );
}
