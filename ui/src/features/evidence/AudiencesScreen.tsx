import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatRelativeTime } from '../../format';
import type { AudienceView, ClaimView, JobView, SignalView, WorkspaceSummary } from '../../ipc/backend';
import { REPORTS_JOB_KIND, SIGNALS_JOB_KIND } from '../jobs/jobsState';
import { InlineJobProgress } from './charts';
import { Drawer, EvidenceList } from './EvidencePanel';
import {
  REPORT_KIND_LABELS,
  SIGNAL_KIND_LABELS,
  formatAudienceSize,
  groupSignals,
  platformLabel,
} from './evidenceFormat';
import {
  activeJob,
  useAudiences,
  useSignals,
  useStartReports,
  useStartSignalBuild,
} from './evidenceQueries';
import { ReportPanel } from './ReportPanel';
import { SignalCard } from './SignalCard';
import './evidence.css';

interface Props {
  workspace: WorkspaceSummary;
  jobs: readonly JobView[];
  onJobStarted: (job: JobView) => void;
}

/** What the evidence drawer shows: the rows behind a claim's signals, or one signal's. */
export interface EvidenceTarget {
  title: string;
  signalIds: string[];
}

export function audiencePath(workspaceId: string, audienceId?: string): string {
  const base = `/w/${encodeURIComponent(workspaceId)}/audiences`;
  return audienceId ? `${base}/${encodeURIComponent(audienceId)}` : base;
}

/**
 * The audiences of a workspace and, for the one in the address, who it is, its signals by
 * kind and its reports. `?report=<id>` opens a report; claims and signals open their rows.
 */
export function AudiencesScreen({ workspace, jobs, onJobStarted }: Props) {
  const { audienceId = null } = useParams();
  const navigate = useNavigate();
  const audiences = useAudiences(workspace.id);
  const list = audiences.data ?? null;
  const selected = list?.find((a) => a.id === audienceId) ?? null;

  // No audience in the address: open the first, so the detail is never an empty half.
  const first = list?.[0]?.id ?? null;
  useEffect(() => {
    if (audienceId === null && first !== null) {
      void navigate(audiencePath(workspace.id, first), { replace: true });
    }
  }, [audienceId, first, workspace.id, navigate]);

  const buildJob = activeJob(jobs, SIGNALS_JOB_KIND, workspace.id);
  const startBuild = useStartSignalBuild(workspace.id, onJobStarted);
  const building = buildJob !== null || startBuild.isPending;
  const buildButton = (
    <button
      type="button"
      className="btn"
      onClick={() => startBuild.mutate()}
      disabled={building}
      data-testid="build-signals"
    >
      {building ? 'Building signals…' : 'Build signals'}
    </button>
  );

  return (
    <main className="evidence-screen" aria-labelledby="audiences-title">
      <header className="dashboard__header">
        <div className="dashboard__title">
          <h1 id="audiences-title">Audiences</h1>
          <p className="muted">
            Who each audience is, what it does, looks for and says — every signal with the rows
            behind it.
          </p>
        </div>
        <div className="dashboard__actions">
          {buildJob && <InlineJobProgress job={buildJob} testId="signal-build-progress" />}
          {buildButton}
        </div>
      </header>
      {startBuild.error !== null && (
        <ErrorBanner
          error={startBuild.error}
          context="Could not start the signal build"
          onDismiss={startBuild.reset}
        />
      )}
      {audiences.error !== null && (
        <ErrorBanner
          error={audiences.error}
          context="Loading the audiences"
          onRetry={() => void audiences.refetch()}
        />
      )}
      {list === null ? (
        audiences.isFetching && <p className="empty-hint">Loading audiences…</p>
      ) : list.length === 0 ? (
        <div className="empty-state">
          <p>
            <strong>No audiences in this workspace.</strong>
          </p>
          <p>
            Audiences come with the ad data of a workspace. Create the demo workspace to see how
            they look.
          </p>
        </div>
      ) : (
        <div className="audiences">
          <AudienceList audiences={list} workspaceId={workspace.id} selectedId={audienceId} />
          {selected ? (
            <AudienceDetail
              key={selected.id}
              workspace={workspace}
              audience={selected}
              jobs={jobs}
              onJobStarted={onJobStarted}
              buildButton={buildButton}
              building={building}
            />
          ) : (
            audienceId !== null && (
              <div className="empty-state">
                <p>That audience is not in this workspace. Pick one from the list.</p>
              </div>
            )
          )}
        </div>
      )}
    </main>
  );
}

function AudienceList({
  audiences,
  workspaceId,
  selectedId,
}: {
  audiences: readonly AudienceView[];
  workspaceId: string;
  selectedId: string | null;
}) {
  return (
    <nav className="audience-list" aria-label="Audiences of this workspace">
      <ul>
        {audiences.map((a) => {
          const size = formatAudienceSize(a);
          return (
            <li key={a.id}>
              <Link
                to={audiencePath(workspaceId, a.id)}
                className="audience-item"
                aria-current={a.id === selectedId ? 'true' : undefined}
                data-testid={`audience-${a.id}`}
              >
                <span className="audience-item__name">{a.name}</span>
                <span className="muted">
                  {platformLabel(a.platform)} · {a.kind}
                  {size && ` · ${size}`}
                </span>
                <span className="audience-item__counts" data-testid="audience-signal-counts">
                  {a.signals.behavior} behavior · {a.signals.intent} intent ·{' '}
                  {a.signals.mentionTheme} themes
                </span>
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

interface DetailProps {
  workspace: WorkspaceSummary;
  audience: AudienceView;
  jobs: readonly JobView[];
  onJobStarted: (job: JobView) => void;
  buildButton: ReactNode;
  building: boolean;
}

function AudienceDetail({ workspace, audience, jobs, onJobStarted, buildButton, building }: DetailProps) {
  const [params, setParams] = useSearchParams();
  const reportId = params.get('report');
  const openReport = useCallback(
    (id: string | null) =>
      setParams((p) => {
        const next = new URLSearchParams(p);
        if (id === null) next.delete('report');
        else next.set('report', id);
        return next;
      }),
    [setParams],
  );
  const [evidence, setEvidence] = useState<EvidenceTarget | null>(null);
  const closeEvidence = useCallback(() => setEvidence(null), []);
  const openSignal = useCallback(
    (s: SignalView) => setEvidence({ title: 'Rows behind this signal', signalIds: [s.id] }),
    [],
  );
  const openClaim = useCallback(
    (c: ClaimView) =>
      setEvidence({ title: 'Evidence behind this claim', signalIds: c.signals.map((s) => s.id) }),
    [],
  );

  const signals = useSignals(workspace.id, audience.id);
  const groups = useMemo(() => groupSignals(signals.data ?? []), [signals.data]);

  const reportsJob = activeJob(jobs, REPORTS_JOB_KIND, workspace.id);
  const startReports = useStartReports(workspace.id, audience.id, onJobStarted);
  const writing = reportsJob !== null || startReports.isPending;
  const size = formatAudienceSize(audience);
  const d = audience.demographics;
  const ages =
    d.ageMin !== null || d.ageMax !== null
      ? `${d.ageMin ?? '?'}–${d.ageMax ?? '?'}`
      : null;

  return (
    <section className="audience-detail" aria-labelledby="audience-name" data-testid="audience-detail">
      <div className="card">
        <header className="card__header">
          <h2 id="audience-name" className="audience-detail__name">
            {audience.name}
          </h2>
          <span className="muted">
            {platformLabel(audience.platform)} · {audience.kind}
          </span>
        </header>
        <dl className="facts">
          <div>
            <dt>Size</dt>
            <dd data-testid="audience-size">{size ?? 'Not reported by the platform'}</dd>
          </div>
          {ages && (
            <div>
              <dt>Ages</dt>
              <dd>{ages}</dd>
            </div>
          )}
          {d.genders.length > 0 && (
            <div>
              <dt>Genders</dt>
              <dd>{d.genders.join(', ')}</dd>
            </div>
          )}
          {d.locations.length > 0 && (
            <div>
              <dt>Locations</dt>
              <dd>{d.locations.join(', ')}</dd>
            </div>
          )}
          {d.languages.length > 0 && (
            <div>
              <dt>Languages</dt>
              <dd>{d.languages.join(', ')}</dd>
            </div>
          )}
        </dl>
        {audience.interests.length > 0 && (
          <ul className="chips" aria-label="Interests">
            {audience.interests.map((i) => (
              <li key={i} className="chip">
                {i}
              </li>
            ))}
          </ul>
        )}
      </div>

      <div className="card" data-testid="reports-card">
        <header className="card__header">
          <h3>Reports</h3>
          <span className="dashboard__actions">
            {reportsJob && <InlineJobProgress job={reportsJob} testId="reports-progress" />}
            <button
              type="button"
              className="btn"
              onClick={() => startReports.mutate()}
              disabled={writing || building}
              data-testid="write-reports"
              title="A model writes a behavior, an intent and a mentions report; every claim must cite its signals"
            >
              {writing ? 'Writing reports…' : 'Write reports'}
            </button>
          </span>
        </header>
        {startReports.error !== null && (
          <ErrorBanner
            error={startReports.error}
            context="Could not start the reports"
            onDismiss={startReports.reset}
          />
        )}
        {reportId !== null ? (
          <>
            <button type="button" className="btn btn--small btn--ghost report-back" onClick={() => openReport(null)}>
              ← All reports
            </button>
            <ReportPanel reportId={reportId} onOpenClaim={openClaim} onOpenSignal={openSignal} />
          </>
        ) : audience.reports.length === 0 ? (
          <p className="empty-hint" data-testid="reports-empty">
            No reports yet — Write reports to have a model summarise this audience's signals,
            every claim checked against them.
          </p>
        ) : (
          <ul className="report-list">
            {audience.reports.map((r) => (
              <li key={r.id}>
                <button
                  type="button"
                  className="report-item"
                  onClick={() => openReport(r.id)}
                  data-testid={`report-${r.kind}`}
                >
                  <span className="badge">{REPORT_KIND_LABELS[r.kind]}</span>
                  <span className="report-item__title">{r.title}</span>
                  <span className="muted">
                    written by {r.writtenBy} · {r.claims} of {r.claimsChecked} claims kept ·{' '}
                    {r.versions} {r.versions === 1 ? 'version' : 'versions'} ·{' '}
                    {formatRelativeTime(r.createdAt)}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>

      {signals.error !== null && (
        <ErrorBanner
          error={signals.error}
          context="Loading the signals"
          onRetry={() => void signals.refetch()}
        />
      )}
      {signals.data && signals.data.length === 0 && (
        <div className="empty-state" data-testid="signals-empty">
          <p>
            <strong>No signals yet — Build signals</strong>
          </p>
          <p>
            Signals are what the data says about this audience: segments that do better or worse,
            what people search for, what they talk about. Building them takes a few minutes.
          </p>
          <div>{buildButton}</div>
        </div>
      )}
      {signals.data === undefined && signals.isFetching && <p className="empty-hint">Loading signals…</p>}
      {signals.data &&
        [...groups].map(([kind, list]) =>
          list.length === 0 ? null : (
            <SignalGroup key={kind} title={SIGNAL_KIND_LABELS[kind]} kind={kind} signals={list} onOpen={openSignal} />
          ),
        )}

      {evidence && (
        <Drawer title={evidence.title} onClose={closeEvidence} testId="evidence-drawer">
          <EvidenceList signalIds={evidence.signalIds} />
        </Drawer>
      )}
    </section>
  );
}

const SHOWN_AT_FIRST = 8;

function SignalGroup({
  title,
  kind,
  signals,
  onOpen,
}: {
  title: string;
  kind: string;
  signals: SignalView[];
  onOpen: (s: SignalView) => void;
}) {
  const [all, setAll] = useState(false);
  const shown = all ? signals : signals.slice(0, SHOWN_AT_FIRST);
  return (
    <section className="card" aria-label={title} data-testid={`signals-${kind}`}>
      <header className="card__header">
        <h3>
          {title} <span className="muted">({signals.length})</span>
        </h3>
      </header>
      <ul className="signal-list">
        {shown.map((s) => (
          <SignalCard key={s.id} signal={s} onOpen={onOpen} />
        ))}
      </ul>
      {signals.length > SHOWN_AT_FIRST && (
        <button type="button" className="btn btn--small btn--ghost" onClick={() => setAll(!all)}>
          {all ? 'Show fewer' : `Show all ${signals.length}`}
        </button>
      )}
    </section>
  );
}
