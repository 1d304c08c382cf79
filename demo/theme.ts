/**
 * The page's light / dark theme: `data-theme` on <html>, which style.css keys its colours on.
 * The first theme follows the system setting; the header button and the set_theme tool change it.
 */
export type Theme = 'light' | 'dark';

export function currentTheme(): Theme {
  return document.documentElement.dataset['theme'] === 'dark' ? 'dark' : 'light';
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset['theme'] = theme;
  const button = document.getElementById('theme-toggle');
  if (button !== null) {
    button.textContent = theme === 'dark' ? '☀ Light' : '☾ Dark';
    button.setAttribute('aria-label', `Switch to ${theme === 'dark' ? 'light' : 'dark'} mode`);
  }
}

/** Sets the first theme and wires the header's toggle button. */
export function initTheme(button: HTMLButtonElement): void {
  applyTheme(matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
  button.addEventListener('click', () => applyTheme(currentTheme() === 'dark' ? 'light' : 'dark'));
}
