/**
 * The page's notice banner, under the top bar: what went wrong with a load (the host could not be
 * reached, a file is missing) and what the page did about it, until the user dismisses it or the
 * next load succeeds. The status badge stays one short line; the whole story goes here.
 */
export type BannerKind = 'error' | 'info';

export class Banner {
  private readonly text: HTMLElement;

  constructor(private readonly root: HTMLElement) {
    this.text = document.createElement('p');
    this.text.className = 'banner-text';
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'ghost small banner-close';
    close.textContent = 'Dismiss';
    close.addEventListener('click', () => this.hide());
    root.append(this.text, close);
    this.hide();
  }

  show(kind: BannerKind, message: string): void {
    this.root.dataset['kind'] = kind;
    this.root.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    this.text.textContent = message;
    this.root.hidden = false;
  }

  hide(): void {
    this.root.hidden = true;
    this.text.textContent = '';
  }
}
