import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatRelativeTime } from '../../format';
import { isBackendError } from '../../ipc/backend';
import type { EvidenceLinkView, MemoryView, TwinView, WrittenByView } from '../../ipc/backend';
import { useAddMemoryNote, useEditMemory, useRetireMemory } from './twinQueries';

const WRITTEN_BY: Record<WrittenByView, string> = {
  model: 'written by the model',
  evidence: 'from the evidence',
  session: 'from a study session',
  user: 'written by you',
};

const SOURCE_LABELS: Record<EvidenceLinkView['source'], string> = {
  signal: 'Signal',
  row: 'Row',
  memory: 'Memory',
  turn: 'Turn',
};

/** What a twin remembers, most important first; each memory opens onto its evidence. */
export function MemoryList({ workspaceId, twin }: { workspaceId: string; twin: TwinView }) {
  const memories = [...twin.memories].sort((a, b) => b.importance - a.importance || a.seq - b.seq);
  return (
    <section className="card" aria-labelledby="memories-title" data-testid="memories">
      <header className="card__header">
        <h3 id="memories-title">
          Memories <span className="muted">({memories.length})</span>
        </h3>
      </header>
      <AddNoteForm workspaceId={workspaceId} twinId={twin.summary.id} />
      {memories.length === 0 ? (
        <p className="empty-hint">No memories.</p>
      ) : (
        <ul className="memory-list">
          {memories.map((m) => (
            <MemoryItem key={m.id} workspaceId={workspaceId} memory={m} />
          ))}
        </ul>
      )}
    </section>
  );
}

function MemoryItem({ workspaceId, memory }: { workspaceId: string; memory: MemoryView }) {
  const [open, setOpen] = useState(false);
  const [editing, setEditing] = useState(false);
  const retire = useRetireMemory(workspaceId, memory.twinId);
  return (
    <li className="memory" data-testid="memory" data-memory-id={memory.id}>
      <div className="memory__head">
        <span className="badge">{memory.fragment}</span>
        <ImportanceDots value={memory.importance} />
        <span className="muted">
          {WRITTEN_BY[memory.writtenBy]} · {formatRelativeTime(memory.createdAt)}
        </span>
      </div>
      <button
        type="button"
        className="memory__content"
        onClick={() => setOpen(!open)}
        aria-expanded={open}
        data-testid="memory-toggle"
        title="Show the evidence behind this memory"
      >
        {memory.content}
        <span className="muted memory__evidence-count">
          {' '}
          · {memory.evidence.length} {memory.evidence.length === 1 ? 'source' : 'sources'}
        </span>
      </button>
      {open && <EvidenceLinks links={memory.evidence} />}
      <div className="memory__actions">
        <button type="button" className="btn btn--small btn--ghost" onClick={() => setEditing(!editing)} aria-expanded={editing} aria-label={`Edit memory: ${memory.content}`}>
          {editing ? 'Cancel edit' : 'Edit'}
        </button>
        <button
          type="button"
          className="btn btn--small btn--ghost"
          onClick={() => retire.mutate(memory.id)}
          disabled={retire.isPending}
          aria-label={`Remove memory: ${memory.content}`}
          data-testid="retire-memory"
        >
          Remove
        </button>
      </div>
      {retire.error !== null && (
        <ErrorBanner error={retire.error} context="Could not remove the memory" onDismiss={retire.reset} />
      )}
      {editing && <MemoryEditForm workspaceId={workspaceId} memory={memory} onDone={() => setEditing(false)} />}
    </li>
  );
}

/** Importance is a whole number from 1 to 10, kept as typed until it is sent. */
function validImportance(text: string): boolean {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 10;
}

function ImportanceDots({ value }: { value: number }) {
  // Importance is 1–10; five dots at half steps read faster than a number.
  const filled = Math.round(Math.max(0, Math.min(10, value)) / 2);
  return (
    <span className="importance" role="img" aria-label={`Importance ${value} of 10`} data-testid="memory-importance">
      {Array.from({ length: 5 }, (_, i) => (
        <span key={i} className={i < filled ? 'importance__dot importance__dot--on' : 'importance__dot'} />
      ))}
    </span>
  );
}

function EvidenceLinks({ links }: { links: EvidenceLinkView[] }) {
  if (links.length === 0) {
    return (
      <p className="muted memory__evidence" data-testid="memory-evidence">
        No evidence: this memory was written in a session or by hand.
      </p>
    );
  }
  return (
    <ul className="memory__evidence" data-testid="memory-evidence">
      {links.map((l, i) => (
        <li key={`${l.source}-${l.key}-${i}`} className="evidence-link" data-testid="evidence-link">
          <span className="badge">{SOURCE_LABELS[l.source]}</span>{' '}
          <span className="muted evidence-link__key">
            {l.table ? `${l.table} · ` : ''}
            {l.key}
          </span>
          <blockquote className="evidence-link__snapshot">{l.snapshot}</blockquote>
        </li>
      ))}
    </ul>
  );
}

function MemoryEditForm({ workspaceId, memory, onDone }: { workspaceId: string; memory: MemoryView; onDone: () => void }) {
  const id = useId();
  const [content, setContent] = useState(memory.content);
  const [importance, setImportance] = useState(String(memory.importance));
  const [note, setNote] = useState('');
  const edit = useEditMemory(workspaceId, memory.twinId);
  const conflict = isBackendError(edit.error) && edit.error.kind === 'conflict';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!content.trim() || !validImportance(importance)) return;
    edit.mutate(
      { memoryId: memory.id, expectedVersion: memory.version, content: content.trim(), importance: Number(importance), note: note.trim() },
      { onSuccess: onDone },
    );
  };
  return (
    <form className="memory-form" onSubmit={submit} aria-label="Edit memory">
      {conflict ? (
        <p className="form-error" role="alert" data-testid="memory-conflict">
          Someone else changed this memory meanwhile; it has been reloaded. Edit it again from the new text.
        </p>
      ) : (
        edit.error !== null && <ErrorBanner error={edit.error} context="Could not save the memory" onDismiss={edit.reset} />
      )}
      <div className="field">
        <label htmlFor={`${id}-content`}>Memory</label>
        <textarea id={`${id}-content`} rows={2} value={content} onChange={(e) => setContent(e.target.value)} />
      </div>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-importance`}>Importance (1–10)</label>
          <input
            id={`${id}-importance`}
            type="number"
            min={1}
            max={10}
            value={importance}
            onChange={(e) => setImportance(e.target.value)}
            aria-invalid={!validImportance(importance)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-note`}>Why (optional)</label>
          <input id={`${id}-note`} value={note} onChange={(e) => setNote(e.target.value)} />
        </div>
      </div>
      <button type="submit" className="btn btn--small btn--primary" disabled={edit.isPending || conflict || !validImportance(importance)} data-testid="save-memory">
        Save memory
      </button>
    </form>
  );
}

function AddNoteForm({ workspaceId, twinId }: { workspaceId: string; twinId: string }) {
  const id = useId();
  const [content, setContent] = useState('');
  const [importance, setImportance] = useState('5');
  const add = useAddMemoryNote(workspaceId, twinId);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!content.trim() || !validImportance(importance)) return;
    add.mutate({ twinId, content: content.trim(), importance: Number(importance) }, { onSuccess: () => setContent('') });
  };
  return (
    <form className="memory-note" onSubmit={submit} aria-label="Add a note">
      <div className="field memory-note__text">
        <label htmlFor={`${id}-note`}>Add a note the twin will remember</label>
        <input id={`${id}-note`} value={content} onChange={(e) => setContent(e.target.value)} data-testid="memory-note-input" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-importance`}>Importance</label>
        <input
          id={`${id}-importance`}
          type="number"
          min={1}
          max={10}
          value={importance}
          onChange={(e) => setImportance(e.target.value)}
          aria-invalid={!validImportance(importance)}
        />
      </div>
      <button type="submit" className="btn" disabled={add.isPending || !content.trim() || !validImportance(importance)} data-testid="add-memory-note">
        Add note
      </button>
      {add.error !== null && <ErrorBanner error={add.error} context="Could not add the note" onDismiss={add.reset} />}
    </form>
  );
}
