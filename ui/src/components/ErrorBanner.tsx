import { describeError } from '../errors';

interface Props {
  error: unknown;
  /** What the user was doing, e.g. "Loading the dashboard". Prefixes the title. */
  context?: string;
  onRetry?: () => void;
  onDismiss?: () => void;
}

export function ErrorBanner({ error, context, onRetry, onDismiss }: Props) {
  const { kind, title, detail } = describeError(error, context);
  return (
    <div className={`banner banner--error banner--${kind}`} role="alert" data-kind={kind}>
      <div className="banner__text">
        <strong className="banner__title">{capitalize(title)}</strong>
        {detail && <span className="banner__detail">{detail}</span>}
      </div>
      <div className="banner__actions">
        {onRetry && (
          <button type="button" className="btn btn--small" onClick={onRetry}>
            Try again
          </button>
        )}
        {onDismiss && (
          <button
            type="button"
            className="btn btn--small btn--ghost"
            onClick={onDismiss}
            aria-label="Dismiss"
          >
            ×
          </button>
        )}
      </div>
    </div>
  );
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
