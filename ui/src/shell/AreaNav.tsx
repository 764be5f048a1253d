import { NavLink } from 'react-router';
import { AREAS, areaPath } from './areas';

/**
 * The list of areas. Areas not built yet are plain text marked "Coming": not links, not
 * focusable, so they cannot be opened by mouse or keyboard.
 */
export function AreaNav({ workspaceId }: { workspaceId: string | null }) {
  return (
    <nav className="area-nav" aria-label="Areas">
      <ul className="area-nav__list">
        {AREAS.map((area) => (
          <li key={area.id}>
            {area.built ? (
              <NavLink
                to={areaPath(area, workspaceId)}
                // Audiences stays current on an audience's own address (`audiences/:id`).
                end={area.id !== 'audiences'}
                className="area-nav__item"
                data-testid={`nav-${area.id}`}
              >
                {area.label}
              </NavLink>
            ) : (
              <span
                className="area-nav__item area-nav__item--coming"
                aria-disabled="true"
                title="Not built yet"
                data-testid={`nav-${area.id}`}
              >
                {area.label}
                <span className="badge badge--coming">Coming</span>
              </span>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}
