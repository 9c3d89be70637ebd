// Every text of the page exists in both languages (ui/src/lib/strings.ts, cards/content.ts),
// and every action a card names has its label and its implementation.
import test from 'node:test';
import assert from 'node:assert/strict';
import { S } from '../../../ui/src/lib/strings';
import { CARDS } from '../../../ui/src/cards/content';

test('every string has a Chinese and an English text, with the same placeholders', () => {
  for (const [key, [zh, en]] of Object.entries(S)) {
    assert.ok(zh.trim() && en.trim(), key);
    const holes = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join();
    assert.equal(holes(zh), holes(en), key);
  }
});

test('six cards, in both languages, each with a label for every action', () => {
  assert.equal(CARDS.length, 6);
  for (const c of CARDS) {
    for (const text of [c.category, c.title, c.question, c.answer, c.terms]) assert.ok(text.zh && text.en, c.id);
    assert.match(c.answer.zh, /[\u4e00-\u9fff]/, `${c.id}: the Chinese answer is Chinese`);
    assert.ok(c.actions.length >= 1, c.id);
    for (const a of c.actions) assert.ok(`action.${a}` in S, `label of ${a}`);
  }
});

test("every card's action is implemented, on the public API or on the demo routes", async () => {
  const { LIVE } = await import('../../../ui/src/cards/live_actions');
  const { BACKEND } = await import('../../../ui/src/cards/backend_actions');
  for (const c of CARDS) {
    for (const a of c.actions) assert.ok((a in LIVE) !== (a in BACKEND), `${a}: in exactly one of LIVE and BACKEND`);
    assert.ok(c.actions.some((a) => a in LIVE), `${c.id} has an action that runs today`);
  }
});
