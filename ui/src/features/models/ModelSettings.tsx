import { useEffect, useMemo, useState } from 'react';
import type { FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/ErrorBanner';
import { backend } from '../../ipc/backend';
import type {
  JobView,
  ModelPrice,
  ModelRoute,
  ModelSettingsView,
  TaskModels,
  VendorKind,
  VendorOption,
  VendorSummary,
} from '../../ipc/backend';
import { microsToDecimal } from '../../format';
import { TASK_LABELS, formatPricePerMillion, parseDollarsToMicros } from './cost';
import {
  useModelCatalogueQuery,
  useModelSettingsQuery,
  useSettingsChange,
  useTraceExportQuery,
} from './modelQueries';
import type { SettingsChange } from './modelQueries';
import { queryKeys } from '../../serverState/queryKeys';

const LOCAL = 'local';

interface Props {
  onJobStarted?: (job: JobView) => void;
}

/**
 * Models & keys: vendors and their keys, the models per task, offline mode and prices.
 * A finished model download refreshes the local model list through the job layer.
 */
export function ModelSettings({ onJobStarted }: Props) {
  const settingsQuery = useModelSettingsQuery();
  const catalogueQuery = useModelCatalogueQuery();
  const traceQuery = useTraceExportQuery();
  const { change, error: changeError, dismissError } = useSettingsChange();
  const settings = settingsQuery.data ?? null;
  const catalogue = catalogueQuery.data ?? [];
  const loadError = settingsQuery.error ?? catalogueQuery.error ?? traceQuery.error;
  const error = changeError ?? loadError;

  return (
    <main className="settings" aria-labelledby="settings-title">
      <header className="dashboard__header">
        <div className="dashboard__title">
          <h1 id="settings-title">Models &amp; keys</h1>
          <p className="muted">
            API keys are kept in your system keychain and never shown again. Without a key, or
            offline, everything runs on the models built into ProfitWheel.
          </p>
        </div>
      </header>
      {changeError !== null && (
        <ErrorBanner error={changeError} context="Models & keys" onDismiss={dismissError} />
      )}
      {changeError === null && loadError !== null && (
        <ErrorBanner
          error={loadError}
          context="Loading Models & keys"
          onRetry={() => {
            void settingsQuery.refetch();
            void catalogueQuery.refetch();
            void traceQuery.refetch();
          }}
        />
      )}
      {settings === null ? (
        error === null && <p className="empty-hint">Loading settings…</p>
      ) : (
        <>
          <OfflineCard
            settings={settings}
            onChange={(offline) => void change(() => backend.setOfflineMode(offline))}
            change={change}
            onJobStarted={onJobStarted}
          />
          <VendorsCard settings={settings} change={change} />
          <TasksCard settings={settings} catalogue={catalogue} change={change} />
          <PricesCard catalogue={catalogue} change={change} />
          <TracesCard change={change} />
        </>
      )}
    </main>
  );
}

type Change = SettingsChange;

function OfflineCard({
  settings,
  onChange,
  change,
  onJobStarted,
}: {
  settings: ModelSettingsView;
  onChange: (offline: boolean) => void;
  change: Change;
  onJobStarted?: (job: JobView) => void;
}) {
  const models = [settings.localChatModel, settings.localEmbeddingModel];
  const [url, setUrl] = useState('');
  const [sha256, setSha256] = useState('');
  const bundled = settings.localModelFiles.find((f) => f.endsWith('SmolLM2-135M-Instruct.Q4_1.gguf'));
  return (
    <section className="card" aria-labelledby="offline-heading">
      <header className="card__header">
        <h3 id="offline-heading">On this computer</h3>
        <label className="switch">
          <input
            type="checkbox"
            checked={settings.offline}
            onChange={(e) => onChange(e.target.checked)}
            data-testid="offline-toggle"
          />
          <span>Offline mode: only local models answer</span>
        </label>
      </header>
      <ul className="plain-list">
        {models.map((m) => (
          <li key={m.name} data-testid="local-model">
            <span className={m.present ? 'status status--enabled' : 'status status--paused'}>
              {m.present ? 'Ready' : 'Missing'}
            </span>{' '}
            {m.name}
            {!m.present && (
              <span className="muted"> — run scripts/fetch-models to put it in {m.path}</span>
            )}
          </li>
        ))}
      </ul>
      <div className="inline-form">
        <label htmlFor="local-chat-model" className="muted">
          Local chat model
        </label>
        <select
          id="local-chat-model"
          value={settings.localChatModel.path}
          onChange={(e) => {
            // Read now: the change runs a moment later, when the select shows the old value again.
            const path = e.target.value;
            void change(() => backend.setLocalChatModel(path === bundled ? null : path));
          }}
        >
          {!settings.localModelFiles.includes(settings.localChatModel.path) && (
            <option value={settings.localChatModel.path}>{settings.localChatModel.name}</option>
          )}
          {settings.localModelFiles.map((file) => (
            <option key={file} value={file}>
              {file.split(/[\\/]/).pop()}
            </option>
          ))}
        </select>
      </div>
      <form
        className="inline-form"
        aria-label="Download a model"
        onSubmit={(e) => {
          e.preventDefault();
          const address = url.trim();
          const sum = sha256.trim() || null;
          void change(async () => {
            const job = await backend.startModelDownload(address, sum);
            onJobStarted?.(job);
            setUrl('');
            setSha256('');
          });
        }}
      >
        <input
          placeholder="https://…/model.gguf"
          aria-label="Model address"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
        <input
          placeholder="SHA-256 (optional)"
          aria-label="SHA-256"
          value={sha256}
          onChange={(e) => setSha256(e.target.value)}
        />
        <button type="submit" className="btn btn--small" disabled={!url.trim()}>
          Download
        </button>
      </form>
    </section>
  );
}

function VendorsCard({ settings, change }: { settings: ModelSettingsView; change: Change }) {
  return (
    <section className="card" aria-labelledby="vendors-heading">
      <header className="card__header">
        <h3 id="vendors-heading">Vendors</h3>
      </header>
      {settings.vendors.length === 0 ? (
        <p className="empty-hint">
          No vendor yet: every task uses the local model. Add one below to use a cloud model.
        </p>
      ) : (
        <ul className="vendor-list">
          {settings.vendors.map((v) => (
            <VendorRow key={v.name} vendor={v} change={change} />
          ))}
        </ul>
      )}
      <AddVendorForm options={settings.vendorOptions} change={change} />
    </section>
  );
}

function VendorRow({ vendor, change }: { vendor: VendorSummary; change: Change }) {
  const [key, setKey] = useState('');
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<string | null>(null);

  async function test() {
    setTesting(true);
    setResult(null);
    try {
      const check = await backend.testVendor(vendor.name, null);
      setResult(`Works: ${check.model} answered in ${check.latencyMs} ms`);
    } catch (e) {
      setResult(`Failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setTesting(false);
    }
  }

  function saveKey(event: FormEvent) {
    event.preventDefault();
    const typed = key;
    // Forget the key in the page as soon as it is on its way to the keychain.
    setKey('');
    void change(() => backend.setVendorKey(vendor.name, typed));
  }

  const keyState = vendor.keyConfigured
    ? 'Key configured'
    : vendor.needsKey
      ? 'No key'
      : 'No key needed';
  return (
    <li className="vendor" data-testid={`vendor-${vendor.name}`}>
      <div className="vendor__head">
        <strong>{vendor.name}</strong>
        <span className="muted">{vendor.label}</span>
        <span
          className={vendor.keyConfigured || !vendor.needsKey ? 'badge badge--succeeded' : 'badge badge--queued'}
          data-testid="key-state"
        >
          {keyState}
        </span>
        <span className="muted vendor__url">{vendor.baseUrl}</span>
      </div>
      <div className="vendor__actions">
        <form className="inline-form" onSubmit={saveKey}>
          <input
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder={vendor.keyConfigured ? 'Replace key' : 'Paste API key'}
            aria-label={`API key for ${vendor.name}`}
            value={key}
            onChange={(e) => setKey(e.target.value)}
          />
          <button type="submit" className="btn btn--small" disabled={key.trim() === ''}>
            Save key
          </button>
        </form>
        <button
          type="button"
          className="btn btn--small"
          onClick={() => void test()}
          disabled={testing}
        >
          {testing ? 'Testing…' : 'Test'}
        </button>
        <button
          type="button"
          className="btn btn--small btn--ghost"
          onClick={() => void change(() => backend.removeVendor(vendor.name))}
        >
          Remove
        </button>
      </div>
      {result && (
        <p className={result.startsWith('Works') ? 'vendor__ok' : 'form-error'} role="status">
          {result}
        </p>
      )}
    </li>
  );
}

function AddVendorForm({ options, change }: { options: VendorOption[]; change: Change }) {
  const [kind, setKind] = useState<VendorKind>('openAi');
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [key, setKey] = useState('');
  const option = options.find((o) => o.kind === kind);

  function submit(event: FormEvent) {
    event.preventDefault();
    const typedKey = key.trim();
    setKey('');
    void change(async () => {
      const saved = await backend.saveVendor({
        name: name.trim() || null,
        kind,
        baseUrl: baseUrl.trim() || null,
        requestsPerMinute: null,
        tokensPerMinute: null,
        maxConcurrency: null,
        azureApiVersion: null,
      });
      if (typedKey) await backend.setVendorKey(saved.name, typedKey);
      setName('');
      setBaseUrl('');
    });
  }

  return (
    <form className="add-vendor" onSubmit={submit} aria-label="Add a vendor">
      <select value={kind} onChange={(e) => setKind(e.target.value as VendorKind)} aria-label="Vendor">
        {options.map((o) => (
          <option key={o.kind} value={o.kind}>
            {o.label}
          </option>
        ))}
      </select>
      <input
        placeholder="Name (optional)"
        aria-label="Vendor name"
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <input
        placeholder={option?.defaultBaseUrl ?? 'Address, e.g. http://localhost:11434/v1'}
        aria-label="Address"
        value={baseUrl}
        onChange={(e) => setBaseUrl(e.target.value)}
        required={!option?.defaultBaseUrl}
      />
      <input
        type="password"
        autoComplete="off"
        placeholder="API key"
        aria-label="API key"
        value={key}
        onChange={(e) => setKey(e.target.value)}
      />
      <button type="submit" className="btn btn--primary btn--small">
        Add vendor
      </button>
    </form>
  );
}

function TasksCard({
  settings,
  catalogue,
  change,
}: {
  settings: ModelSettingsView;
  catalogue: ModelPrice[];
  change: Change;
}) {
  const vendorNames = useMemo(
    () => [LOCAL, ...settings.vendors.map((v) => v.name)],
    [settings.vendors],
  );
  return (
    <section className="card" aria-labelledby="tasks-heading">
      <header className="card__header">
        <h3 id="tasks-heading">Models per task</h3>
        <span className="muted">First choice first; the next answers when one fails.</span>
      </header>
      <datalist id="catalogue-models">
        {catalogue.map((m) => (
          <option key={`${m.vendor}/${m.model}`} value={m.model} />
        ))}
      </datalist>
      <ul className="task-list">
        {settings.tasks.map((t) => (
          <TaskRow key={t.task} task={t} vendors={vendorNames} change={change} />
        ))}
      </ul>
    </section>
  );
}

function TaskRow({ task, vendors, change }: { task: TaskModels; vendors: string[]; change: Change }) {
  // Until the person picks one, offer the first configured vendor (even one added later).
  const [picked, setPicked] = useState<string | null>(null);
  const vendor = picked !== null && vendors.includes(picked) ? picked : (vendors[1] ?? LOCAL);
  const [model, setModel] = useState('');
  const save = (chain: ModelRoute[]) =>
    void change(() => backend.setTaskModels({ task: task.task, chain }));

  return (
    <li className="task" data-testid={`task-${task.task}`}>
      <strong className="task__name">{TASK_LABELS[task.task]}</strong>
      <ol className="chain">
        {task.chain.length === 0 && <li className="muted">Local model</li>}
        {task.chain.map((r, i) => (
          <li key={`${r.vendor}/${r.model}`} className="chain__link">
            {r.vendor}/{r.model}
            <button
              type="button"
              className="btn btn--small btn--ghost"
              aria-label={`Remove ${r.vendor}/${r.model}`}
              onClick={() => save(task.chain.filter((_, j) => j !== i))}
            >
              ×
            </button>
          </li>
        ))}
      </ol>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!model.trim()) return;
          save([...task.chain, { vendor, model: model.trim() }]);
          setModel('');
        }}
      >
        <select value={vendor} onChange={(e) => setPicked(e.target.value)} aria-label="Vendor for this task">
          {vendors.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
        <input
          list="catalogue-models"
          placeholder="Model"
          aria-label={`Model for ${TASK_LABELS[task.task]}`}
          value={model}
          onChange={(e) => setModel(e.target.value)}
        />
        <button type="submit" className="btn btn--small" disabled={!model.trim()}>
          Add
        </button>
      </form>
    </li>
  );
}

/** A context window typed as whole tokens, or `null`. */
function parseTokens(text: string): number | null {
  const trimmed = text.trim();
  if (!/^[0-9]+$/.test(trimmed)) return null;
  const tokens = Number(trimmed);
  return tokens > 0 && tokens <= 4_294_967_295 ? tokens : null;
}

function PricesCard({ catalogue, change }: { catalogue: ModelPrice[]; change: Change }) {
  const [editing, setEditing] = useState<string | null>(null);
  const [input, setInput] = useState('');
  const [output, setOutput] = useState('');
  const [context, setContext] = useState('');
  const [invalid, setInvalid] = useState(false);

  function startEdit(m: ModelPrice) {
    setEditing(`${m.vendor}/${m.model}`);
    setInput(m.inputMicrosPerMtok === null ? '' : microsToDecimal(m.inputMicrosPerMtok));
    setOutput(m.outputMicrosPerMtok === null ? '' : microsToDecimal(m.outputMicrosPerMtok));
    setContext(m.contextWindow === null ? '' : String(m.contextWindow));
    setInvalid(false);
  }

  function save(m: ModelPrice) {
    const inputMicros = parseDollarsToMicros(input);
    const outputMicros = parseDollarsToMicros(output);
    const contextWindow = m.contextWindow ?? parseTokens(context);
    if (inputMicros === null || outputMicros === null || contextWindow === null) {
      setInvalid(true);
      return;
    }
    setEditing(null);
    void change(() =>
      backend.editModelPrice({
        ...m,
        contextWindow,
        inputMicrosPerMtok: inputMicros,
        outputMicrosPerMtok: outputMicros,
      }),
    );
  }

  return (
    <section className="card" aria-labelledby="prices-heading">
      <header className="card__header">
        <h3 id="prices-heading">Prices</h3>
        <span className="muted">
          US dollars per million tokens; every call is costed with these. A study with a budget
          never uses a model whose price is unknown.
        </span>
      </header>
      <div className="table-scroll">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Vendor</th>
              <th scope="col">Model</th>
              <th scope="col">Context</th>
              <th scope="col">Input</th>
              <th scope="col">Output</th>
              <th scope="col">Source</th>
              <th scope="col" aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {catalogue.map((m) => {
              const id = `${m.vendor}/${m.model}`;
              const isEditing = editing === id;
              return (
                <tr key={id} data-testid={`price-${id}`}>
                  <td>{m.vendor}</td>
                  <td className="cell-name">{m.model}</td>
                  <td>
                    {isEditing && m.contextWindow === null ? (
                      <input aria-label="Context window" value={context} onChange={(e) => setContext(e.target.value)} />
                    ) : m.contextWindow === null ? (
                      '—'
                    ) : (
                      m.contextWindow.toLocaleString()
                    )}
                  </td>
                  <td>
                    {isEditing ? (
                      <input aria-label="Input price" value={input} onChange={(e) => setInput(e.target.value)} />
                    ) : m.inputMicrosPerMtok === null ? (
                      <span className="form-error">price unknown</span>
                    ) : (
                      formatPricePerMillion(m.inputMicrosPerMtok)
                    )}
                  </td>
                  <td>
                    {isEditing ? (
                      <input aria-label="Output price" value={output} onChange={(e) => setOutput(e.target.value)} />
                    ) : m.embedding ? (
                      '—'
                    ) : m.outputMicrosPerMtok === null ? (
                      <span className="form-error">price unknown</span>
                    ) : (
                      formatPricePerMillion(m.outputMicrosPerMtok)
                    )}
                  </td>
                  <td className="muted">{m.source}</td>
                  <td>
                    {isEditing ? (
                      <>
                        <button type="button" className="btn btn--small" onClick={() => save(m)}>
                          Save
                        </button>
                        {invalid && (
                          <span className="form-error">
                            Prices are dollars, e.g. 0.15
                            {m.contextWindow === null && '; the context window is whole tokens'}
                          </span>
                        )}
                      </>
                    ) : (
                      <button type="button" className="btn btn--small btn--ghost" onClick={() => startEdit(m)}>
                        Edit
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function TracesCard({ change }: { change: Change }) {
  const queryClient = useQueryClient();
  const current = useTraceExportQuery().data ?? null;
  const [endpoint, setEndpoint] = useState('');
  const [percent, setPercent] = useState('50');
  const [headers, setHeaders] = useState('');

  // The form starts from what is stored, and follows it after each save. Other changes on
  // this page never re-read the trace settings, so nothing overwrites what is being typed.
  useEffect(() => {
    if (!current) return;
    setEndpoint(current.endpoint ?? '');
    setPercent(String(Math.round((current.sampleRate ?? 0.5) * 100)));
  }, [current]);

  function save(event: FormEvent) {
    event.preventDefault();
    const typed = headers.trim() || null;
    setHeaders('');
    const rate = Math.min(100, Math.max(0, Number(percent) || 0)) / 100;
    void change(async () => {
      await backend.setTraceExport(endpoint.trim() || null, rate, typed);
      await queryClient.invalidateQueries({ queryKey: queryKeys.traceExport });
    });
  }

  return (
    <section className="card" aria-labelledby="traces-heading">
      <header className="card__header">
        <h3 id="traces-heading">Traces</h3>
        <span className="muted" data-testid="trace-state">
          {current?.endpoint
            ? `Sending ${Math.round((current.sampleRate ?? 0.5) * 100)}% of model calls to ${current.endpoint}`
            : 'Model-call traces stay on this computer'}
        </span>
      </header>
      <form className="inline-form" onSubmit={save} aria-label="Trace export">
        <input
          placeholder="OTLP address, e.g. https://cloud.langfuse.com/api/public/otel"
          aria-label="Collector address"
          value={endpoint}
          onChange={(e) => setEndpoint(e.target.value)}
        />
        <input
          type="number"
          min={0}
          max={100}
          aria-label="Percent of calls traced"
          value={percent}
          onChange={(e) => setPercent(e.target.value)}
        />
        <input
          type="password"
          autoComplete="off"
          placeholder={current?.headersConfigured ? 'Headers stored; type to replace' : 'Authorization: Basic …'}
          aria-label="Collector headers"
          value={headers}
          onChange={(e) => setHeaders(e.target.value)}
        />
        <button type="submit" className="btn btn--small">
          Save
        </button>
      </form>
    </section>
  );
}
