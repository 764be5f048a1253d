import { useId } from 'react';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatCount, isZeroMicros } from '../../format';
import type { SessionPlanView } from '../../ipc/backend';
import { formatModelCost, parseDollarsToMicros } from '../models/cost';

/** What a session will take before it starts: calls, tokens, cost, and which models. */
export function EstimatePanel({
  plan,
  error,
  loading,
}: {
  plan: SessionPlanView | undefined;
  error: unknown;
  loading: boolean;
}) {
  return (
    <section className="card estimate" aria-label="Estimated cost" data-testid="estimate">
      <header className="card__header">
        <h3>Estimate</h3>
        {loading && <span className="muted">Updating…</span>}
      </header>
      {error !== null && error !== undefined && !plan ? (
        <ErrorBanner error={error} context="Could not estimate" />
      ) : !plan ? (
        <p className="empty-hint">The estimate appears once the study is set up.</p>
      ) : (
        <>
          <dl className="facts">
            <div>
              <dt>Cost</dt>
              <dd data-testid="estimate-cost">
                {plan.costMicros === null
                  ? 'Unknown — a model has no price'
                  : isZeroMicros(plan.costMicros)
                    ? 'Free — runs on this computer'
                    : formatModelCost(plan.costMicros)}
              </dd>
            </div>
            <div>
              <dt>Model calls</dt>
              <dd data-testid="estimate-calls">{formatCount(plan.calls, { compact: false })}</dd>
            </div>
            <div>
              <dt>Tokens</dt>
              <dd data-testid="estimate-tokens">{formatCount(plan.tokens, { compact: false })}</dd>
            </div>
            <div>
              <dt>Turns</dt>
              <dd>
                {plan.participantTurns} participant · {plan.moderatorTurns} moderator
              </dd>
            </div>
          </dl>
          {plan.models.length > 0 && (
            <ul className="estimate__models" aria-label="Models per task">
              {plan.models.map((m) => (
                <li key={m.task}>
                  <span className="muted">{m.task}:</span> {m.model}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

/** Optional budget (dollars) and seed, shared by both setups. */
export function BudgetAndSeed({
  budget,
  seed,
  onBudget,
  onSeed,
}: {
  budget: string;
  seed: string;
  onBudget: (v: string) => void;
  onSeed: (v: string) => void;
}) {
  const id = useId();
  const budgetValid = budget.trim() === '' || parseDollarsToMicros(budget) !== null;
  const seedValid = seed.trim() === '' || /^\d+$/.test(seed.trim());
  return (
    <div className="form-grid">
      <div className="field">
        <label htmlFor={`${id}-budget`}>Budget cap in dollars (optional)</label>
        <input id={`${id}-budget`} inputMode="decimal" value={budget} placeholder="no cap" onChange={(e) => onBudget(e.target.value)} aria-invalid={!budgetValid} data-testid="study-budget" />
        {!budgetValid && <span className="form-error">An amount like 2.50</span>}
      </div>
      <div className="field">
        <label htmlFor={`${id}-seed`}>Seed (optional)</label>
        <input id={`${id}-seed`} inputMode="numeric" value={seed} placeholder="random" onChange={(e) => onSeed(e.target.value)} aria-invalid={!seedValid} data-testid="study-seed" />
        {!seedValid && <span className="form-error">A whole number</span>}
      </div>
    </div>
  );
}

/** The budget and seed as the backend takes them, or null when one is not valid. */
export function budgetAndSeedInput(budget: string, seed: string): { budgetMicros: string | null; seed: string | null } | null {
  const budgetMicros = budget.trim() === '' ? null : parseDollarsToMicros(budget);
  if (budget.trim() !== '' && budgetMicros === null) return null;
  if (seed.trim() !== '' && !/^\d+$/.test(seed.trim())) return null;
  return { budgetMicros, seed: seed.trim() === '' ? null : seed.trim() };
}
