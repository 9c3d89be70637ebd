// The operator's admin token: asked for when a forced decision needs it, kept in this
// tab's memory, and in sessionStorage if the operator says so (gone with the tab). The
// page sends it only to the admin routes, and calls no admin route without it.
import { ApiResponse, call, describe, isNoRoute } from './api';
import { h } from './dom';
import { t } from './i18n';
import { serves } from './routes';

const STORAGE_KEY = 'xacoord.adminToken';
let token: string | null = null;
const listeners: (() => void)[] = [];

function loadSaved(): void {
  try {
    token = sessionStorage.getItem(STORAGE_KEY);
  } catch {
    token = null;
  }
}
loadSaved();

export function hasToken(): boolean {
  return !!token;
}

export function onTokenChange(f: () => void): void {
  listeners.push(f);
}

export function setToken(value: string | null, remember: boolean): void {
  token = value && value.trim() ? value.trim() : null;
  try {
    if (token && remember) sessionStorage.setItem(STORAGE_KEY, token);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    /* no storage: memory only */
  }
  for (const f of listeners) f();
}

// Opens the token dialog; resolves true once a token is set, false if the operator
// cancels.
export function askForToken(): Promise<boolean> {
  return new Promise((resolve) => {
    const input = h('input', { id: 'admin-token-input', type: 'password', autocomplete: 'off', required: true });
    const remember = h('input', { id: 'admin-token-remember', type: 'checkbox' });
    const dialog = h('dialog', { id: 'admin-dialog', 'aria-labelledby': 'admin-dialog-title' },
      h('form', { method: 'dialog' },
        h('h2', { id: 'admin-dialog-title' }, t('admin.dialog.title')),
        h('p', null, t('admin.dialog.why')),
        h('label', { for: 'admin-token-input' }, t('admin.dialog.label')),
        input,
        h('div', { class: 'check' }, remember, h('label', { for: 'admin-token-remember' }, t('admin.dialog.remember'))),
        h('div', { class: 'actions' },
          h('button', { type: 'submit', value: 'ok', class: 'primary', id: 'admin-token-save' }, t('admin.dialog.save')),
          h('button', { type: 'submit', value: 'cancel', formnovalidate: true, id: 'admin-token-cancel' }, t('admin.dialog.cancel')))));
    dialog.addEventListener('close', () => {
      const ok = dialog.returnValue === 'ok' && input.value.trim() !== '';
      if (ok) setToken(input.value, remember.checked);
      dialog.remove();
      resolve(ok);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}

export type ForceOutcome =
  | { kind: 'refused-no-token' } // nothing was sent
  | { kind: 'not-served' } // this coordinator serves no admin routes (no --admin-token)
  | { kind: 'token-rejected'; response: ApiResponse } // 401: the token is wrong; forgotten
  | { kind: 'answered'; response: ApiResponse }; // 200 forced, or 409 force-refused, ...

// A forced commit or rollback of `txnId`. Without a token the operator is asked for one;
// if none is given, no request is made.
export async function force(txnId: string, commit: boolean): Promise<ForceOutcome> {
  const pattern = `/v1/admin/transactions/{txn_id}/${commit ? 'commit' : 'rollback'}`;
  if (serves('POST', pattern) === false) return { kind: 'not-served' };
  if (!token && !(await askForToken())) return { kind: 'refused-no-token' };
  if (!token) return { kind: 'refused-no-token' };
  const r = await call('POST', `/v1/admin/transactions/${encodeURIComponent(txnId)}/${commit ? 'commit' : 'rollback'}`, {
    json: { reason: 'dashboard' },
    headers: { Authorization: `Bearer ${token}` },
  });
  if (isNoRoute(r)) return { kind: 'not-served' };
  if (r.status === 401) {
    setToken(null, false);
    return { kind: 'token-rejected', response: r };
  }
  return { kind: 'answered', response: r };
}

export function describeForce(o: ForceOutcome): string {
  switch (o.kind) {
    case 'refused-no-token':
      return t('admin.refused');
    case 'not-served':
      return t('admin.not_served');
    case 'token-rejected':
      return t('admin.rejected');
    case 'answered':
      return o.response.ok ? t('admin.done', { detail: (o.response.body as any)?.detail ?? '' }) : t('admin.failed', { why: describe(o.response) });
  }
}
