import { Link } from 'react-router';
import { START_PATH } from './areas';

/** An address no screen answers to, e.g. an area that is not built yet. */
export function NotFoundPage() {
  return (
    <main className="empty-state empty-state--main" data-testid="not-found">
      <h1>Nothing here</h1>
      <p>
        This address does not lead to a screen of ProfitWheel.{' '}
        <Link to={START_PATH}>Go to the start</Link>.
      </p>
    </main>
  );
}
