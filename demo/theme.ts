/**
 * The page's light / dark theme: `data-theme` on <html>, which style.css keys its colours on.
 * The first visit follows the system setting; a choice (the header button or the set_theme tool)
 * is remembered in localStorage for the next visit.
 */
export type Theme = 'light' | 'dark';

const STORAGE_KEY = 'webgpu-llm-demo.theme';

export function currentTheme(): Theme {
  return document.documentElement.dataset['theme'] === 'dark' ? 'dark' : 'light';
}

function showTheme(theme: Theme): void {
  document.documentElement.dataset['theme'] = theme;
  const button = document.getElementById('theme-toggle');
  if (button !== null) {
    const label = document.createElement('span');
    label.className = 'wide-only';
    label.textContent = theme === 'dark' ? ' Light' : ' Dark';
    button.replaceChildren(theme === 'dark' ? '☀' : '☾', label);
    button.setAttribute('aria-label', `Switch to ${theme === 'dark' ? 'light' : 'dark'} mode`);
  }
}

/** Switches the theme and remembers it. */
export function applyTheme(theme: Theme): void {
  showTheme(theme);
  try {
    localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // Storage can be off (private mode, a sandboxed frame): the theme still switches.
  }
}

function rememberedTheme(): Theme | undefined {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return stored === 'dark' || stored === 'light' ? stored : undefined;
  } catch {
    return undefined;
  }
}

/** Sets the first theme and wires the header's toggle button. */
export function initTheme(button: HTMLButtonElement): void {
  showTheme(rememberedTheme() ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
  button.addEventListener('click', () => applyTheme(currentTheme() === 'dark' ? 'light' : 'dark'));
}
