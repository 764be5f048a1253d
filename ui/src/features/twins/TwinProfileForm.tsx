import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { ErrorBanner } from '../../components/ErrorBanner';
import { isBackendError } from '../../ipc/backend';
import type { ProfileView, RegisterView, TwinView } from '../../ipc/backend';
import { useEditTwin } from './twinQueries';

interface Props {
  workspaceId: string;
  twin: TwinView;
  onSaved: () => void;
  /** Someone saved a later version first: fetch it so the next edit starts from it. */
  onReload: () => void;
  /** Start the form again from the twin as it is now. */
  onRestart: () => void;
}

const LIST_FIELDS = [
  ['psychographics', 'Psychographics'],
  ['goals', 'Goals'],
  ['painPoints', 'Pain points'],
  ['mediaHabits', 'Media habits'],
  ['objections', 'Objections'],
] as const;

type ListField = (typeof LIST_FIELDS)[number][0];

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Edits a twin's name and profile as a new version; lists are one item per line. */
export function TwinProfileForm({ workspaceId, twin, onSaved, onReload, onRestart }: Props) {
  const id = useId();
  const p = twin.profile;
  const [name, setName] = useState(twin.summary.name);
  const [summary, setSummary] = useState(p.summary);
  const [age, setAge] = useState(String(p.demographics.age));
  const [gender, setGender] = useState(p.demographics.gender);
  const [location, setLocation] = useState(p.demographics.location);
  const [occupation, setOccupation] = useState(p.demographics.occupation);
  const [lists, setLists] = useState<Record<ListField, string>>({
    psychographics: p.psychographics.join('\n'),
    goals: p.goals.join('\n'),
    painPoints: p.painPoints.join('\n'),
    mediaHabits: p.mediaHabits.join('\n'),
    objections: p.objections.join('\n'),
  });
  const [brand, setBrand] = useState(p.brandRelationship);
  const [vocabulary, setVocabulary] = useState(p.voice.vocabulary.join(', '));
  const [typicalWords, setTypicalWords] = useState(String(p.voice.typicalWords));
  const [register, setRegister] = useState<RegisterView>(p.voice.register);
  const [note, setNote] = useState('');
  const edit = useEditTwin(workspaceId, twin.summary.id);
  const conflict = isBackendError(edit.error) && edit.error.kind === 'conflict';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const profile: ProfileView = {
      summary: summary.trim(),
      demographics: {
        age: Number(age) || p.demographics.age,
        gender: gender.trim(),
        location: location.trim(),
        occupation: occupation.trim(),
      },
      psychographics: lines(lists.psychographics),
      goals: lines(lists.goals),
      painPoints: lines(lists.painPoints),
      mediaHabits: lines(lists.mediaHabits),
      brandRelationship: brand.trim(),
      objections: lines(lists.objections),
      voice: {
        vocabulary: vocabulary
          .split(',')
          .map((w) => w.trim())
          .filter(Boolean),
        typicalWords: Number(typicalWords) || p.voice.typicalWords,
        register,
      },
    };
    edit.mutate(
      {
        twinId: twin.summary.id,
        expectedVersion: twin.summary.version,
        name: name.trim(),
        profile,
        note: note.trim(),
      },
      {
        onSuccess: onSaved,
        onError: (error) => {
          if (isBackendError(error) && error.kind === 'conflict') onReload();
        },
      },
    );
  };

  return (
    <form className="card twin-form" onSubmit={submit} aria-label="Edit profile" data-testid="twin-form">
      {conflict ? (
        <div className="banner banner--info" role="alert" data-testid="twin-conflict">
          <div className="banner__text">
            <strong className="banner__title">Someone else changed this twin while you were editing.</strong>
            <span className="banner__detail">
              Your changes were not saved. The latest version (version {twin.summary.version}) has been
              loaded; edit from it so nothing of theirs is lost.
            </span>
          </div>
          <div className="banner__actions">
            <button type="button" className="btn btn--small" onClick={onRestart} data-testid="twin-edit-latest">
              Edit the latest version
            </button>
          </div>
        </div>
      ) : (
        edit.error !== null && (
          <ErrorBanner error={edit.error} context="Could not save the profile" onDismiss={edit.reset} />
        )
      )}
      <div className="form-grid">
        <Field id={`${id}-name`} label="Name" value={name} onChange={setName} />
        <Field id={`${id}-age`} label="Age" value={age} onChange={setAge} type="number" />
        <Field id={`${id}-gender`} label="Gender" value={gender} onChange={setGender} />
        <Field id={`${id}-location`} label="Location" value={location} onChange={setLocation} />
        <Field id={`${id}-occupation`} label="Occupation" value={occupation} onChange={setOccupation} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-summary`}>Summary</label>
        <textarea id={`${id}-summary`} rows={3} value={summary} onChange={(e) => setSummary(e.target.value)} />
      </div>
      <div className="form-grid">
        {LIST_FIELDS.map(([key, label]) => (
          <div className="field" key={key}>
            <label htmlFor={`${id}-${key}`}>{label} (one per line)</label>
            <textarea
              id={`${id}-${key}`}
              rows={4}
              value={lists[key]}
              onChange={(e) => setLists({ ...lists, [key]: e.target.value })}
            />
          </div>
        ))}
      </div>
      <div className="field">
        <label htmlFor={`${id}-brand`}>Brand relationship</label>
        <textarea id={`${id}-brand`} rows={2} value={brand} onChange={(e) => setBrand(e.target.value)} />
      </div>
      <div className="form-grid">
        <Field id={`${id}-vocabulary`} label="Vocabulary (comma separated)" value={vocabulary} onChange={setVocabulary} />
        <Field id={`${id}-words`} label="Typical words a reply" value={typicalWords} onChange={setTypicalWords} type="number" />
        <div className="field">
          <label htmlFor={`${id}-register`}>Register</label>
          <select id={`${id}-register`} value={register} onChange={(e) => setRegister(e.target.value as RegisterView)}>
            <option value="casual">Casual</option>
            <option value="neutral">Neutral</option>
            <option value="formal">Formal</option>
          </select>
        </div>
      </div>
      <Field id={`${id}-note`} label="What changed (kept with the version)" value={note} onChange={setNote} />
      <div className="form-actions">
        <button type="submit" className="btn btn--primary" disabled={edit.isPending || conflict} data-testid="save-twin">
          {edit.isPending ? 'Saving…' : 'Save as a new version'}
        </button>
      </div>
    </form>
  );
}

function Field({
  id,
  label,
  value,
  onChange,
  type = 'text',
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  type?: string;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type={type} value={value} onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}
