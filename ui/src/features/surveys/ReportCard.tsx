import { useId, useState } from 'react';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatRelativeTime } from '../../format';
import type { JobView, ReportItemView, ReportTableView, SurveyReportView, SurveyRunView } from '../../ipc/backend';
import { InlineJobProgress } from '../evidence/charts';
import { SURVEY_REPORT_JOB_KIND, isActive } from '../jobs/jobsState';
import { useExportSurveyReport, useStartSurveyReport, useSurveyReport } from './surveyQueries';

interface Props {
  workspaceId: string;
  run: SurveyRunView;
  weighted: boolean;
  temperature: number;
  jobs: readonly JobView[];
  onJobStarted: (job: JobView) => void;
}

const SECTIONS: readonly { key: 'findings' | 'segments' | 'implications' | 'actions'; title: string; empty: string }[] = [
  { key: 'findings', title: 'Findings', empty: 'No finding the model wrote held up against the tables.' },
  {
    key: 'segments',
    title: 'Segments',
    empty: 'No difference between groups held up: no crosstab showed one after correction, or what the model wrote did not match.',
  },
  { key: 'implications', title: 'Implications', empty: 'No implication the model wrote held up against the tables.' },
  { key: 'actions', title: 'Recommended actions', empty: 'No action the model wrote held up against the tables.' },
];

/** The analysis agent's report on a run: each item with the result tables its figures come from. */
export function ReportCard({ workspaceId, run, weighted, temperature, jobs, onJobStarted }: Props) {
  const report = useSurveyReport(run.id);
  const [startedId, setStartedId] = useState<string | null>(null);
  const start = useStartSurveyReport((job) => {
    setStartedId(job.id);
    onJobStarted(job);
  });
  const exporter = useExportSurveyReport(run.id);
  // The job started here, or (after a reload) a report job of this workspace titled for this run.
  const job =
    jobs.find(
      (j) =>
        isActive(j) &&
        j.kind === SURVEY_REPORT_JOB_KIND &&
        (j.id === startedId || (startedId === null && j.workspaceId === workspaceId && j.title === `Report: ${run.title} (seed ${run.seed})`)),
    ) ?? null;
  const failed = startedId ? (jobs.find((j) => j.id === startedId && j.state === 'failed') ?? null) : null;
  const writing = job !== null || start.isPending;
  const stopped = run.status !== 'queued' && run.status !== 'running';
  const data = report.data ?? null;
  return (
    <section className="card report-card" aria-label="Report" data-testid="survey-report">
      <div className="card__header">
        <h2>Report</h2>
        <div className="form-row">
          {job && <InlineJobProgress job={job} testId="report-progress" />}
          {data && (
            <>
              <button type="button" className="btn btn--small" onClick={() => exporter.mutate('markdown')} disabled={exporter.isPending} data-testid="report-export-markdown">
                Export Markdown
              </button>
              <button type="button" className="btn btn--small" onClick={() => exporter.mutate('pdf')} disabled={exporter.isPending} data-testid="report-export-pdf">
                Export PDF
              </button>
            </>
          )}
          <button
            type="button"
            className="btn btn--primary btn--small"
            disabled={writing || !stopped}
            title={stopped ? undefined : 'The report is written once the run stops answering'}
            onClick={() => start.mutate({ runId: run.id, weighted, temperature })}
            data-testid="write-report"
          >
            {writing ? 'Writing the report…' : data ? 'Write again' : 'Write the report'}
          </button>
        </div>
      </div>
      {exporter.data && (
        <p className="muted" role="status" data-testid="report-export-path">
          Saved to <code>{exporter.data}</code>
        </p>
      )}
      {exporter.error !== null && <ErrorBanner error={exporter.error} context="Not exported" onDismiss={exporter.reset} />}
      {start.error !== null && <ErrorBanner error={start.error} context="The report was not started" onDismiss={start.reset} />}
      {failed && (
        <p className="banner banner--error" role="alert">
          The report was not written: {failed.error ?? 'the job failed'}.
        </p>
      )}
      {report.error !== null && <ErrorBanner error={report.error} context="Reading the report" onRetry={() => void report.refetch()} />}
      {data === null ? (
        <p className="muted">
          A model reads the result tables ({weighted ? 'weighted' : 'unweighted'}, as shown below) and writes findings, segment differences, implications and actions. Each item cites the
          tables it rests on and is kept only if every figure it states is in them; the caveats come from the diagnostics, not the model.
        </p>
      ) : (
        <ReportBody key={data.id} report={data} />
      )}
    </section>
  );
}

function ReportBody({ report }: { report: SurveyReportView }) {
  const tables = new Map(report.tables.map((t) => [t.table, t]));
  const allDropped = report.itemsChecked > 0 && report.itemsDropped === report.itemsChecked;
  return (
    <div data-testid="report-body">
      <p className={allDropped ? 'banner banner--error' : 'muted'} data-testid="report-dropped">
        {report.writtenBy.startsWith('no usable answer')
          ? `The model gave no usable answer (${report.writtenBy.replace(/^no usable answer: /, '')}): only the caveats are shown. A larger model for Analysis in Models & keys usually writes one.`
          : report.itemsChecked === 0
          ? `The model (${report.writtenBy}) wrote no item: only the caveats are shown.`
          : allDropped
            ? `None of the ${report.itemsChecked} items the model wrote held up against the tables, so none is shown. A larger model for Analysis in Models & keys usually does better.`
            : `${report.itemsDropped} of ${report.itemsChecked} items the model wrote were dropped for citing no table it was shown or stating a figure its tables do not.`}{' '}
        <span className="muted">
          Written by {report.writtenBy} · version {report.version} · {report.weighted ? 'weighted' : 'unweighted'}, rating temperature {report.temperature} ·{' '}
          {formatRelativeTime(report.createdAt)}
        </span>
      </p>
      {SECTIONS.map((section) => (
        <div key={section.key} className="report-section" data-testid={`report-${section.key}`}>
          <h3>{section.title}</h3>
          {report[section.key].length === 0 ? (
            <p className="muted">{section.empty}</p>
          ) : (
            <ItemList items={report[section.key]} tables={tables} />
          )}
        </div>
      ))}
      <div className="report-section report-section--caveats" data-testid="report-caveats">
        <h3>Caveats</h3>
        <ItemList items={report.caveats} tables={tables} />
      </div>
      {report.dropped.length > 0 && (
        <details className="report-dropped" data-testid="report-left-out">
          <summary>
            Left out: {report.dropped.length} item{report.dropped.length === 1 ? '' : 's'} the model wrote that did not hold
          </summary>
          <ul className="report-items">
            {report.dropped.map((d, i) => (
              <li key={i} className="report-item">
                <span>{d.text}</span> <span className="muted">({d.section}: {d.reason})</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function ItemList({ items, tables }: { items: readonly ReportItemView[]; tables: Map<string, ReportTableView> }) {
  return (
    <ul className="report-items">
      {items.map((item, i) => (
        <Item key={i} item={item} tables={tables} />
      ))}
    </ul>
  );
}

/** An item and its citations; a citation opens the table's line as the model read it. */
function Item({ item, tables }: { item: ReportItemView; tables: Map<string, ReportTableView> }) {
  const [open, setOpen] = useState<string | null>(null);
  const line = open ? tables.get(open) : undefined;
  const lineId = useId();
  return (
    <li className="report-item" data-testid="report-item">
      <span>{item.text}</span>{' '}
      {item.tables.map((t) => (
        <button
          key={t}
          type="button"
          className={`report-cite${open === t ? ' report-cite--open' : ''}`}
          aria-expanded={open === t}
          aria-controls={open === t ? lineId : undefined}
          title={tables.get(t)?.line}
          onClick={() => setOpen(open === t ? null : t)}
          data-testid="report-cite"
        >
          {t}
        </button>
      ))}
      {line && (
        <p className="report-line" id={lineId} data-testid="report-line">
          {line.line}
          {!line.shown && <span className="muted"> (not shown to the model)</span>}
        </p>
      )}
    </li>
  );
}
