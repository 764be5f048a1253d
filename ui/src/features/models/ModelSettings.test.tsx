import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { modelSettings, vendor } from '../../test/fixtures';
import { callsTo, ipcError, mockBackend } from '../../test/ipc';
import { renderWithQueryClient } from '../../test/queryClient';
import type { ModelSettingsView } from '../../ipc/backend';
import { ModelSettings } from './ModelSettings';

const CATALOGUE = [
  {
    vendor: 'openai',
    model: 'gpt-4o-mini',
    contextWindow: 128_000,
    inputMicrosPerMtok: '150000',
    outputMicrosPerMtok: '600000',
    embedding: false,
    source: 'BerriAI/litellm',
  },
];

/** A backend whose settings change as commands arrive, like the real one. */
function statefulBackend(initial: ModelSettingsView, extra: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  let state = initial;
  let trace = { endpoint: null as string | null, sampleRate: 0.5, headersConfigured: false };
  const calls = mockBackend({
    get_model_settings: () => state,
    get_model_catalogue: () => CATALOGUE,
    get_trace_export: () => trace,
    set_trace_export: (args) => {
      const request = args.request as { endpoint: string | null; sampleRate: number; headers: string | null };
      trace = {
        endpoint: request.endpoint,
        sampleRate: request.sampleRate,
        headersConfigured: trace.headersConfigured || request.headers !== null,
      };
      return null;
    },
    save_vendor: (args) => {
      const request = args.request as { kind: 'openAi'; name: string | null };
      const added = vendor({ name: request.name ?? 'openai', kind: request.kind });
      state = { ...state, vendors: [...state.vendors, added] };
      return added;
    },
    set_vendor_key: (args) => {
      const { vendor: name } = args.request as { vendor: string };
      state = {
        ...state,
        vendors: state.vendors.map((v) => (v.name === name ? { ...v, keyConfigured: true } : v)),
      };
      return null;
    },
    remove_vendor: (args) => {
      state = { ...state, vendors: state.vendors.filter((v) => v.name !== args.vendor) };
      return null;
    },
    set_offline_mode: (args) => {
      state = { ...state, offline: Boolean(args.offline) };
      return null;
    },
    set_task_models: (args) => {
      const request = args.request as ModelSettingsView['tasks'][number];
      state = {
        ...state,
        tasks: state.tasks.map((t) => (t.task === request.task ? request : t)),
      };
      return null;
    },
    ...extra,
  });
  return calls;
}

describe('ModelSettings', () => {
  it('starts a model download as a job, and switches the local model', async () => {
    const started: unknown[] = [];
    const calls = statefulBackend(
      modelSettings({
        localModelFiles: ['/m/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf', '/m/Qwen2.5-0.5B.Q4_K_M.gguf'],
      }),
      {
        start_model_download: () => ({ id: 'dl-1', kind: 'model.download', state: 'queued' }),
        set_local_chat_model: () => null,
      },
    );
    renderWithQueryClient(<ModelSettings onJobStarted={(job) => started.push(job)} />);
    const form = await screen.findByRole('form', { name: 'Download a model' });
    await userEvent.type(within(form).getByLabelText('Model address'), 'https://example.com/Qwen.gguf');
    await userEvent.click(within(form).getByRole('button', { name: 'Download' }));
    await waitFor(() => expect(started).toHaveLength(1));
    expect(callsTo(calls, 'start_model_download')[0].args).toEqual({
      request: { url: 'https://example.com/Qwen.gguf', sha256: null },
    });

    await userEvent.selectOptions(screen.getByLabelText('Local chat model'), '/m/Qwen2.5-0.5B.Q4_K_M.gguf');
    await waitFor(() => expect(callsTo(calls, 'set_local_chat_model')).toHaveLength(1));
    expect(callsTo(calls, 'set_local_chat_model')[0].args).toEqual({ path: '/m/Qwen2.5-0.5B.Q4_K_M.gguf' });
  });

  it('adds a vendor with its key, then shows only that a key is configured', async () => {
    const calls = statefulBackend(modelSettings());
    renderWithQueryClient(<ModelSettings />);
    expect(await screen.findByText(/No vendor yet/)).toBeInTheDocument();

    const form = screen.getByRole('form', { name: 'Add a vendor' });
    await userEvent.type(within(form).getByLabelText('API key'), 'sk-typed-secret-123');
    await userEvent.click(within(form).getByRole('button', { name: 'Add vendor' }));

    const row = await screen.findByTestId('vendor-openai');
    await waitFor(() => expect(within(row).getByTestId('key-state')).toHaveTextContent('Key configured'));
    expect(callsTo(calls, 'set_vendor_key')[0].args).toEqual({
      request: { vendor: 'openai', key: 'sk-typed-secret-123' },
    });
    // The page holds no copy of the key once it is sent.
    expect(document.body.innerHTML).not.toContain('sk-typed-secret-123');
    for (const input of screen.getAllByLabelText(/API key/)) {
      expect(input).toHaveValue('');
    }
  });

  it('reports a failed key test in words and keeps the vendor', async () => {
    statefulBackend(modelSettings({ vendors: [vendor({ keyConfigured: true })] }), {
      test_vendor: () => ipcError('notConfigured', 'openai refused the request (401): Incorrect API key'),
    });
    renderWithQueryClient(<ModelSettings />);
    const row = await screen.findByTestId('vendor-openai');
    await userEvent.click(within(row).getByRole('button', { name: 'Test' }));
    expect(await within(row).findByRole('status')).toHaveTextContent('Failed: openai refused the request (401)');
  });

  it('says when a key test works', async () => {
    statefulBackend(modelSettings({ vendors: [vendor({ keyConfigured: true })] }), {
      test_vendor: () => ({ model: 'gpt-4o-mini', latencyMs: 321 }),
    });
    renderWithQueryClient(<ModelSettings />);
    const row = await screen.findByTestId('vendor-openai');
    await userEvent.click(within(row).getByRole('button', { name: 'Test' }));
    expect(await within(row).findByRole('status')).toHaveTextContent('Works: gpt-4o-mini answered in 321 ms');
  });

  it('removes a vendor', async () => {
    const calls = statefulBackend(modelSettings({ vendors: [vendor({ keyConfigured: true })] }));
    renderWithQueryClient(<ModelSettings />);
    const row = await screen.findByTestId('vendor-openai');
    await userEvent.click(within(row).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(screen.queryByTestId('vendor-openai')).not.toBeInTheDocument());
    expect(callsTo(calls, 'remove_vendor')[0].args).toEqual({ vendor: 'openai' });
  });

  it('turns offline mode on', async () => {
    const calls = statefulBackend(modelSettings());
    renderWithQueryClient(<ModelSettings />);
    await userEvent.click(await screen.findByTestId('offline-toggle'));
    await waitFor(() => expect(screen.getByTestId('offline-toggle')).toBeChecked());
    expect(callsTo(calls, 'set_offline_mode')[0].args).toEqual({ offline: true });
  });

  it('builds a task chain first choice first, and removes a link', async () => {
    const calls = statefulBackend(modelSettings({ vendors: [vendor({ keyConfigured: true })] }));
    renderWithQueryClient(<ModelSettings />);
    const task = await screen.findByTestId('task-analysis');
    expect(within(task).getByText('Local model')).toBeInTheDocument();
    await userEvent.type(within(task).getByLabelText('Model for Analysis'), 'gpt-4o-mini');
    await userEvent.click(within(task).getByRole('button', { name: 'Add' }));
    await within(task).findByText('openai/gpt-4o-mini');
    expect(callsTo(calls, 'set_task_models')[0].args).toEqual({
      request: { task: 'analysis', chain: [{ vendor: 'openai', model: 'gpt-4o-mini' }] },
    });
    await userEvent.click(within(task).getByRole('button', { name: 'Remove openai/gpt-4o-mini' }));
    await within(task).findByText('Local model');
  });

  it('offers a vendor added after the screen opened for the task chains', async () => {
    statefulBackend(modelSettings());
    renderWithQueryClient(<ModelSettings />);
    const task = await screen.findByTestId('task-moderation');
    expect(within(task).getByLabelText('Vendor for this task')).toHaveValue('local');
    const form = screen.getByRole('form', { name: 'Add a vendor' });
    await userEvent.click(within(form).getByRole('button', { name: 'Add vendor' }));
    await screen.findByTestId('vendor-openai');
    await waitFor(() =>
      expect(within(screen.getByTestId('task-moderation')).getByLabelText('Vendor for this task')).toHaveValue('openai'),
    );
  });

  it('shows a missing local model with what to do', async () => {
    statefulBackend(
      modelSettings({
        localChatModel: { name: 'SmolLM2-135M-Instruct (Q4_1)', path: '/m/smollm2', present: false },
      }),
    );
    renderWithQueryClient(<ModelSettings />);
    const models = await screen.findAllByTestId('local-model');
    expect(models[0]).toHaveTextContent('Missing');
    expect(models[0]).toHaveTextContent('run scripts/fetch-models');
  });

  it('edits a price and refuses one that is not a number', async () => {
    const calls = statefulBackend(modelSettings(), { edit_model_price: () => null });
    renderWithQueryClient(<ModelSettings />);
    const row = await screen.findByTestId('price-openai/gpt-4o-mini');
    expect(row).toHaveTextContent('$0.15');
    await userEvent.click(within(row).getByRole('button', { name: 'Edit' }));
    const input = within(row).getByLabelText('Input price');
    await userEvent.clear(input);
    await userEvent.type(input, 'cheap');
    await userEvent.click(within(row).getByRole('button', { name: 'Save' }));
    expect(within(row).getByText('Prices are dollars, e.g. 0.15')).toBeInTheDocument();
    await userEvent.clear(input);
    await userEvent.type(input, '0.2');
    await userEvent.click(within(row).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(callsTo(calls, 'edit_model_price')).toHaveLength(1));
    expect(callsTo(calls, 'edit_model_price')[0].args.price).toMatchObject({
      inputMicrosPerMtok: '200000',
      outputMicrosPerMtok: '600000',
    });
  });
});

describe('ModelSettings unpriced models', () => {
  it('shows a routed model without a price as price unknown and sets one', async () => {
    const unpriced = {
      vendor: 'team-vllm',
      model: 'mystery-7b',
      contextWindow: null,
      inputMicrosPerMtok: null,
      outputMicrosPerMtok: null,
      embedding: false,
      source: 'no price set',
    };
    const calls = statefulBackend(modelSettings(), {
      get_model_catalogue: () => [unpriced, ...CATALOGUE],
      edit_model_price: () => null,
    });
    renderWithQueryClient(<ModelSettings />);
    const row = await screen.findByTestId('price-team-vllm/mystery-7b');
    expect(within(row).getAllByText('price unknown')).toHaveLength(2);
    expect(row).not.toHaveTextContent('$0.00');

    await userEvent.click(within(row).getByRole('button', { name: 'Edit' }));
    await userEvent.type(within(row).getByLabelText('Input price'), '0.5');
    await userEvent.type(within(row).getByLabelText('Output price'), '1.5');
    await userEvent.click(within(row).getByRole('button', { name: 'Save' }));
    expect(within(row).getByText(/context window/)).toBeInTheDocument();
    expect(callsTo(calls, 'edit_model_price')).toHaveLength(0);
    await userEvent.type(within(row).getByLabelText('Context window'), '32768');
    await userEvent.click(within(row).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(callsTo(calls, 'edit_model_price')).toHaveLength(1));
    expect(callsTo(calls, 'edit_model_price')[0].args.price).toMatchObject({
      vendor: 'team-vllm',
      model: 'mystery-7b',
      contextWindow: 32768,
      inputMicrosPerMtok: '500000',
      outputMicrosPerMtok: '1500000',
    });
  });
});

describe('ModelSettings traces', () => {
  it('sends traces to a collector with headers that never come back', async () => {
    const calls = statefulBackend(modelSettings());
    renderWithQueryClient(<ModelSettings />);
    expect(await screen.findByTestId('trace-state')).toHaveTextContent('stay on this computer');
    const form = screen.getByRole('form', { name: 'Trace export' });
    await userEvent.type(within(form).getByLabelText('Collector address'), 'https://cloud.langfuse.com/api/public/otel');
    await userEvent.type(within(form).getByLabelText('Collector headers'), 'Authorization: Basic c2VjcmV0');
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(screen.getByTestId('trace-state')).toHaveTextContent(
        'Sending 50% of model calls to https://cloud.langfuse.com/api/public/otel',
      ),
    );
    expect(callsTo(calls, 'set_trace_export')[0].args).toEqual({
      request: {
        endpoint: 'https://cloud.langfuse.com/api/public/otel',
        sampleRate: 0.5,
        headers: 'Authorization: Basic c2VjcmV0',
      },
    });
    expect(document.body.innerHTML).not.toContain('c2VjcmV0');
  });
});
