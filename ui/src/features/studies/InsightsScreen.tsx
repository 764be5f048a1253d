import { Link, useParams } from 'react-router';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatRelativeTime } from '../../format';
import type { InsightItemView, JobView, TurnQuoteView, WorkspaceSummary } from '../../ipc/backend';
import { InlineJobProgress } from '../evidence/charts';
import { activeJob } from '../evidence/evidenceQueries';
import { INSIGHTS_JOB_KIND } from '../jobs/jobsState';
import { studiesPath, useExportInsights, useInsights, useSession, useStartInsights } from './studyQueries';
import './studies.css';

interface Props {
  workspace: WorkspaceSummary;
  jobs: readonly JobView[];
  onJobStarted: (job: JobView) => void;
}

/** What a session found: themes, agreements, disagreements, actions, each quoting its turns. */
export function InsightsScreen({ workspace, jobs, onJobStarted }: Props) {
  const { sessionId = '' } = useParams();
  const session = useSession(sessionId);
  const insights = useInsights(sessionId);
  const start = useStartInsights(sessionId, onJobStarted);
  const exporter = useExportInsights(sessionId);
  const job = activeJob(jobs, INSIGHTS_JOB_KIND, workspace.id);
  const writing = job !== null || start.isPending;
  const sessionPath = studiesPath(workspace.id, encodeURIComponent(sessionId));
  const turnPath = (q: TurnQuoteView) => `${sessionPath}#turn-${q.seq}`;
  const data = insights.data;

  const writeButton = (
    <button type="button" className="btn btn--primary" onClick={() => start.mutate()} disabled={writing} data-testid="write-insights">
      {writing ? 'Writing insights…' : data ? 'Write again' : 'Write insights'}
    </button>
  );

  return (
    <main className="studies-screen" aria-labelledby="insights-title">
      <Link to={sessionPath} className="btn btn--small btn--ghost studies-back">
        ← Back to the session
      </Link>
      <header className="dashboard__header">
        <div className="dashboard__title">
          <h1 id="insights-title">Insights{session.data ? `: ${session.data.session.title}` : ''}</h1>
          <p className="muted">Every item quotes the turns it rests on; items that cite no turn are dropped.</p>
        </div>
        <div className="dashboard__actions">
          {job && <InlineJobProgress job={job} testId="insights-progress" />}
          {data && (
            <>
              <button type="button" className="btn" onClick={() => exporter.mutate('markdown')} disabled={exporter.isPending} data-testid="export-markdown">
                Export Markdown
              </button>
              <button type="button" className="btn" onClick={() => exporter.mutate('pdf')} disabled={exporter.isPending} data-testid="export-pdf">
                Export PDF
              </button>
            </>
          )}
          {data && writeButton}
        </div>
      </header>
      {exporter.data && (
        <p className="banner banner--info" role="status" data-testid="export-path">
          Saved to <code>{exporter.data}</code>
        </p>
      )}
      {exporter.error !== null && <ErrorBanner error={exporter.error} context="Could not export" onDismiss={exporter.reset} />}
      {start.error !== null && <ErrorBanner error={start.error} context="Could not start the insights" onDismiss={start.reset} />}
      {insights.error !== null && (
        <ErrorBanner error={insights.error} context="Loading the insights" onRetry={() => void insights.refetch()} />
      )}
      {data === undefined ? (
        insights.isFetching && <p className="empty-hint">Loading insights…</p>
      ) : data === null ? (
        <div className="empty-state" data-testid="insights-empty">
          <p>
            <strong>No insights yet.</strong>
          </p>
          <p>A model reads the transcript and writes themes, agreements, disagreements and actions, each quoting the turns behind it.</p>
          <div>{writeButton}</div>
        </div>
      ) : (
        <>
          <p className={data.itemsChecked > 0 && data.itemsDropped === data.itemsChecked ? 'banner banner--error' : 'muted'} data-testid="insights-dropped">
            {data.itemsChecked > 0 && data.itemsDropped === data.itemsChecked
              ? `No theme could be grounded: all ${data.itemsChecked} items the model wrote cited no turn and were dropped. A larger model usually can — choose one for Analysis in Models & keys and write again.`
              : `${data.itemsDropped} of ${data.itemsChecked} items the model wrote were dropped for citing no turn.`}{' '}
            <span className="muted">
              Written by {data.writtenBy} · version {data.version} · {formatRelativeTime(data.createdAt)}
            </span>
          </p>
          {data.themes.length > 0 && (
            <section className="card" aria-labelledby="themes-title" data-testid="insights-themes">
              <header className="card__header">
                <h3 id="themes-title">Themes</h3>
              </header>
              <ul className="insight-list">
                {data.themes.map((t, i) => (
                  <li key={i} className="insight" data-testid="insight-theme">
                    <h4>{t.title}</h4>
                    <p>{t.summary}</p>
                    <Quotes quotes={t.quotes} turnPath={turnPath} />
                  </li>
                ))}
              </ul>
            </section>
          )}
          <ItemSection title="Agreements" testId="insights-agreements" items={data.agreements} turnPath={turnPath} />
          <ItemSection title="Disagreements" testId="insights-disagreements" items={data.disagreements} turnPath={turnPath} />
          <ItemSection title="Actions" testId="insights-actions" items={data.actions} turnPath={turnPath} />
          {data.gaps.length > 0 && (
            <section className="card" aria-labelledby="gaps-title" data-testid="insights-gaps">
              <header className="card__header">
                <h3 id="gaps-title">Where Says and Thinks part</h3>
              </header>
              <ul className="insight-list">
                {data.gaps.map((g, i) => (
                  <li key={i} className="insight qa__columns">
                    <div className="qa__says">
                      <h4>Says</h4>
                      <Quotes quotes={[g.quote]} turnPath={turnPath} />
                    </div>
                    <div className="qa__thinks">
                      <h4>Thinks</h4>
                      <p>{g.thinks}</p>
                      {g.reservations.length > 0 && <p className="muted">Kept back: {g.reservations.join(', ')}</p>}
                    </div>
                  </li>
                ))}
              </ul>
            </section>
          )}
        </>
      )}
    </main>
  );
}

function ItemSection({
  title,
  testId,
  items,
  turnPath,
}: {
  title: string;
  testId: string;
  items: InsightItemView[];
  turnPath: (q: TurnQuoteView) => string;
}) {
  if (items.length === 0) return null;
  return (
    <section className="card" aria-label={title} data-testid={testId}>
      <header className="card__header">
        <h3>{title}</h3>
      </header>
      <ul className="insight-list">
        {items.map((item, i) => (
          <li key={i} className="insight">
            <p>{item.text}</p>
            <Quotes quotes={item.quotes} turnPath={turnPath} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function Quotes({ quotes, turnPath }: { quotes: TurnQuoteView[]; turnPath: (q: TurnQuoteView) => string }) {
  return (
    <ul className="quotes insight__quotes">
      {quotes.map((q) => (
        <li key={q.turnId}>
          <blockquote>
            <Link to={turnPath(q)} data-testid="insight-quote" aria-label={`${q.speaker}, turn ${q.seq + 1}: ${q.says}`}>
              “{q.says}”
            </Link>
            {/* Turns count from 0 in the store and from 1 for people, as in the exported report. */}
            <span className="muted"> — {q.speaker}, turn {q.seq + 1}</span>
          </blockquote>
        </li>
      ))}
    </ul>
  );
}
