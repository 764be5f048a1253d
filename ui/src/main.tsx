import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html is missing the #root element');

/**
 * A render error unmounts the whole tree, which would leave a blank window. Show what broke
 * instead, so a person can report it (built with DOM calls: no inline HTML, CSP-safe).
 */
function showFatalError(error: unknown) {
  const panel = document.createElement('div');
  panel.className = 'fatal-error';
  panel.setAttribute('role', 'alert');
  const heading = document.createElement('h1');
  heading.textContent = 'ProfitWheel hit an unexpected error';
  const detail = document.createElement('pre');
  detail.textContent = error instanceof Error ? `${error.message}\n\n${error.stack ?? ''}` : String(error);
  const hint = document.createElement('p');
  hint.textContent = 'Your data is safe. Restart the app; if this keeps happening, send this text to support.';
  panel.append(heading, hint, detail);
  document.body.replaceChildren(panel);
}

createRoot(root, { onUncaughtError: showFatalError }).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
