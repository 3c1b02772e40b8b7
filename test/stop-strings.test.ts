import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StopStringFilter } from '../lib/engine/stop-strings';

/**
 * Reference semantics, as if the text arrived one character at a time: generation stops at
 * the first position where some stop string ends; among stop strings ending there, the
 * text is cut before the one that starts earliest. Returns the text kept and whether it stopped.
 */
function reference(text: string, stops: string[]): { text: string; stopped: boolean } {
  for (let end = 1; end <= text.length; end++) {
    let cut = -1;
    for (const s of stops) {
      if (s.length <= end && text.slice(end - s.length, end) === s && (cut === -1 || end - s.length < cut)) cut = end - s.length;
    }
    if (cut !== -1) return { text: text.slice(0, cut), stopped: true };
  }
  return { text, stopped: false };
}

/** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
function heldLength(text: string, stops: string[]): number {
  let best = 0;
  for (const s of stops) {
    for (let n = Math.min(s.length - 1, text.length); n > best; n--) {
      if (text.endsWith(s.slice(0, n))) { best = n; break; }
    }
  }
  return best;
}

/** Feeds `parts` through a fresh filter; returns what was emitted (flush included) and the per-push outputs. */
function run(stops: string[], parts: string[]): { text: string; stopped: boolean; outputs: string[] } {
  const f = new StopStringFilter(stops);
  const outputs = parts.map((p) => f.push(p));
  const stopped = f.stopped;
  const text = outputs.join('') + f.flush();
  return { text, stopped, outputs };
}

/** Every way to cut `text` into 1, 2 or 3 pieces, plus one character per piece. */
function splits(text: string): string[][] {
  const out: string[][] = [[text], Array.from(text)];
  for (let i = 0; i <= text.length; i++) {
    out.push([text.slice(0, i), text.slice(i)]);
    for (let j = i; j <= text.length; j++) out.push([text.slice(0, i), text.slice(i, j), text.slice(j)]);
  }
  return out;
}

const CASES: { text: string; stops: string[]; want: string }[] = [
  { text: 'Hello</s> world', stops: ['</s>'], want: 'Hello' },
  { text: 'no stop here at all', stops: ['</s>'], want: 'no stop here at all' },
  { text: 'ends with a partial </', stops: ['</s>'], want: 'ends with a partial </' },
  { text: 'a STOP b END c', stops: ['END', 'STOP'], want: 'a ' },
  { text: 'a END b STOP c', stops: ['END', 'STOP'], want: 'a ' },
  { text: 'Hi there\nUser: more', stops: ['User:', '\nUser:'], want: 'Hi there' },
  { text: 'xxabcab', stops: ['abc', 'ab'], want: 'xx' },
  { text: 'aaab', stops: ['aab'], want: 'a' },
  { text: 'abab abac', stops: ['abac'], want: 'abab ' },
  { text: '<<<>', stops: ['<<>'], want: '<' },
  { text: 'smile 😀 done', stops: ['😀'], want: 'smile ' },
  { text: 'stop at the very start', stops: ['stop'], want: '' },
];

describe('StopStringFilter', () => {
  test('the reference cuts the test cases where expected', () => {
    for (const c of CASES) assert.equal(reference(c.text, c.stops).text, c.want, JSON.stringify(c));
  });

  test('cuts at the earliest stop string however the text is split into deltas', () => {
    for (const c of CASES) {
      const ref = reference(c.text, c.stops);
      for (const parts of splits(c.text)) {
        const got = run(c.stops, parts);
        assert.equal(got.text, ref.text, `${JSON.stringify(c.stops)} over ${JSON.stringify(parts)}`);
        assert.equal(got.stopped, ref.stopped, `stopped flag for ${JSON.stringify(parts)}`);
      }
    }
  });

  test('holds back exactly the text that may start a stop string, and releases the rest at once', () => {
    for (const c of CASES) {
      for (const parts of splits(c.text)) {
        const f = new StopStringFilter(c.stops);
        let input = '';
        let emitted = '';
        for (const p of parts) {
          input += p;
          emitted += f.push(p);
          if (f.stopped) break;
          // Nothing that could still turn into a stop string is shown; everything else is.
          assert.equal(emitted, input.slice(0, input.length - heldLength(input, c.stops)),
            `after ${JSON.stringify(input)} with stops ${JSON.stringify(c.stops)}`);
        }
      }
    }
  });

  test('a held-back prefix is released once the next delta rules the stop string out', () => {
    const f = new StopStringFilter(['</s>']);
    assert.equal(f.push('Hello <'), 'Hello ');
    assert.equal(f.push('/'), '');
    assert.equal(f.push('b> bold'), '</b> bold');
    assert.equal(f.stopped, false);
    assert.equal(f.push('</s'), '');
    assert.equal(f.push('>tail'), '');
    assert.equal(f.stopped, true);
  });

  test('flush releases held text when no stop string matched', () => {
    const f = new StopStringFilter(['###']);
    assert.equal(f.push('abc#'), 'abc');
    assert.equal(f.push('#'), '');
    assert.equal(f.stopped, false);
    assert.equal(f.flush(), '##');
    assert.equal(f.flush(), '', 'flush gives held text only once');
  });

  test('after a stop string matched, further deltas and flush give nothing', () => {
    const f = new StopStringFilter(['<|end|>']);
    assert.equal(f.push('answer<|e'), 'answer');
    assert.equal(f.push('nd|> and then <|'), '');
    assert.equal(f.stopped, true);
    assert.equal(f.push('more text'), '');
    assert.equal(f.flush(), '');
  });

  test('with no stop strings every delta passes straight through', () => {
    const f = new StopStringFilter([]);
    assert.equal(f.push('a<'), 'a<');
    assert.equal(f.push(''), '');
    assert.equal(f.push('/s>'), '/s>');
    assert.equal(f.stopped, false);
    assert.equal(f.flush(), '');
  });

  test('a stop string inside another one gives the same text however the deltas are split', () => {
    const stops = ['abcd', 'bc'];
    const text = 'xabcd';
    const whole = run(stops, [text]).text;
    const chars = run(stops, Array.from(text)).text;
    assert.equal(whole, 'xa', 'the stop string that completes first wins');
    assert.equal(chars, whole);
  });
});
