// Chinese first, English a toggle away. Every text the page shows is a pair; views keep
// pairs, not strings, so switching the language re-renders what is on screen.
import { S } from './strings';

export type Lang = 'zh' | 'en';
export interface Text {
  zh: string;
  en: string;
}
export type Key = keyof typeof S;

let current: Lang = 'zh';
const listeners: (() => void)[] = [];

export function lang(): Lang {
  return current;
}

export function setLang(l: Lang): void {
  if (l === current) return;
  current = l;
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
  try {
    localStorage.setItem('xacoord.lang', l);
  } catch {
    /* storage may be off: the choice then lasts for this page only */
  }
  for (const f of listeners) f();
}

export function onLang(f: () => void): void {
  listeners.push(f);
}

// The language from ?lang=, else the last choice, else Chinese.
export function initialLang(): Lang {
  const q = new URLSearchParams(location.search).get('lang');
  if (q === 'en' || q === 'zh') return q;
  try {
    const saved = localStorage.getItem('xacoord.lang');
    if (saved === 'en' || saved === 'zh') return saved;
  } catch {
    /* see above */
  }
  return 'zh';
}

export function initLang(): void {
  current = initialLang();
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
}

function fillIn(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

// The pair for `key`, with {name} placeholders filled from `params`.
export function tx(key: Key, params: Record<string, string | number> = {}): Text {
  const [zh, en] = S[key];
  return { zh: fillIn(zh, params), en: fillIn(en, params) };
}

// The same text in both languages (ids, JSON, numbers).
export function raw(s: string): Text {
  return { zh: s, en: s };
}

export function show(t: Text): string {
  return t[current];
}

// The text of `key` in the current language.
export function t(key: Key, params: Record<string, string | number> = {}): string {
  return show(tx(key, params));
}
