import type { RunManifestView, SessionSummaryView } from '../../ipc/backend';

const PURPOSES: Record<RunManifestView['answeredBy'][number]['purpose'], string> = {
  reply: 'Replies',
  check: 'Persona checks',
  urges: 'Urges to speak',
  judgement: 'Moderator’s judgements',
};

/**
 * What reproduces the session: its seed, the models planned and the ones that answered, the
 * prompt versions and temperatures. The whole manifest (guide size, recall weights, floor
 * rules, estimate) is one click away as JSON.
 */
export function ManifestPanel({ session, manifest }: { session: SessionSummaryView; manifest: RunManifestView }) {
  return (
    <details className="card manifest" data-testid="manifest">
      <summary>
        <strong>Run manifest</strong> <span className="muted">seed {session.seed} · what reproduces this session</span>
      </summary>
      <dl className="manifest__list">
        <dt>Models planned</dt>
        <dd>{manifest.plannedModels.map((m) => `${m.name}: ${m.value}`).join(' · ') || '—'}</dd>
        <dt>Answered by</dt>
        <dd data-testid="manifest-answered-by">
          {manifest.answeredBy.length === 0
            ? 'No model calls kept yet.'
            : manifest.answeredBy.map((a) => `${PURPOSES[a.purpose]}: ${a.models.join(', ')}`).join(' · ')}
        </dd>
        <dt>Prompt versions</dt>
        <dd>{manifest.promptVersions.map((m) => `${m.name} ${m.value}`).join(' · ') || '—'}</dd>
        <dt>Temperatures</dt>
        <dd>{manifest.temperatures.map((m) => `${m.name} ${m.value}`).join(' · ') || '—'}</dd>
      </dl>
      <details className="manifest__json">
        <summary>The whole manifest (JSON)</summary>
        <pre>{manifest.json}</pre>
      </details>
    </details>
  );
}
