/**
 * The collapsible side panel (model, metrics, tools, settings). On a wide screen it starts open
 * and the header's button hides it to give the conversations room; below 700 px it starts closed
 * and opens over the conversations. `data-open` on the panel is what the CSS keys on.
 */
const NARROW = '(max-width: 700px)';

export class Sidebar {
  constructor(private readonly panel: HTMLElement, private readonly toggle: HTMLButtonElement) {
    const narrow = matchMedia(NARROW);
    this.set(!narrow.matches);
    narrow.addEventListener('change', (event) => this.set(!event.matches));
    toggle.addEventListener('click', () => this.set(panel.dataset['open'] !== 'true'));
    // On a phone the panel covers the chat: Escape closes it.
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && narrow.matches) this.set(false);
    });
  }

  private set(open: boolean): void {
    this.panel.dataset['open'] = String(open);
    document.body.dataset['sidebar'] = open ? 'open' : 'closed';
    this.toggle.setAttribute('aria-expanded', String(open));
    this.toggle.setAttribute('aria-label', open ? 'Hide the side panel' : 'Show the side panel');
    const label = document.createElement('span');
    label.className = 'wide-only';
    label.textContent = ' Panel';
    this.toggle.replaceChildren(open ? '✕' : '☰', label);
  }
}
