'use strict';
// The review page's texts: clock times, figures, costs, titles. Run by scripts/check-generated.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const review = require('./support.js');

test('clock shows hours only when there are some, and milliseconds unless short', () => {
  assert.equal(review.clock(0), '0:00.000');
  assert.equal(review.clock(3723456), '1:02:03.456');
  assert.equal(review.clock(3723456, true), '1:02:03');
  assert.equal(review.clock(61000, true), '1:01');
  assert.equal(review.clock(36000000, true), '10:00:00');
  assert.equal(review.clock(599999), '9:59.999');
});

test('clock rounds to the millisecond and carries into seconds and minutes', () => {
  assert.equal(review.clock(59999.6), '1:00.000');
  assert.equal(review.clock(1234.4), '0:01.234');
  assert.equal(review.clock(3599999.5, true), '1:00:00');
});

test('clock puts the sign in front of negative times', () => {
  assert.equal(review.clock(-1500), '-0:01.500');
  assert.equal(review.clock(-3723456, true), '-1:02:03');
});

test('number keeps integers, gives other numbers one decimal, and passes anything else through', () => {
  assert.equal(review.number(3), '3');
  assert.equal(review.number('12'), '12');
  assert.equal(review.number(2.46), '2.5');
  assert.equal(review.number(17.04), '17.0');
  assert.equal(review.number(Infinity), 'Infinity');
  assert.equal(review.number('NaN'), 'NaN');
  assert.equal(review.number('-Infinity'), '-Infinity');
});

test('cost has four decimals under a cent, two above, and says unknown without a figure', () => {
  assert.equal(review.cost(null), 'unknown');
  assert.equal(review.cost(undefined), 'unknown');
  assert.equal(review.cost(0.004), 'US$\u00a00.0040');
  assert.equal(review.cost(0), 'US$\u00a00.0000');
  assert.equal(review.cost(0.01), 'US$\u00a00.01');
  assert.equal(review.cost(1.5), 'US$\u00a01.50');
});

test('counts lists rules with their counts', () => {
  assert.equal(review.counts([]), '');
  assert.equal(review.counts([{ rule: 'cps', count: 3 }, { rule: 'lines', count: 1 }]), 'cps 3 · lines 1');
});

test('titles and descriptions name what a mark is', () => {
  const cue = { number: 7, start: 1000, end: 2500, status: 'violation', speaker: 'Ann', lines: ['Hi', 'there'],
                rules: ['cps', 'cpl'] };
  assert.equal(review.cueTitle(cue), 'Cue 7 (0:01.000 – 0:02.500) · Ann\nHi\nthere\nBreaks: cps, cpl');
  assert.equal(review.cueTitle({ ...cue, speaker: null, rules: [] }), 'Cue 7 (0:01.000 – 0:02.500)\nHi\nthere');
  assert.equal(review.cutTitle({ time: 30000, isInPause: true }), 'Chunk cut at 0:30.000 (in a pause)');
  assert.equal(review.cutTitle({ time: 30000, isInPause: false }),
               'Chunk cut at 0:30.000 (inside speech: a word may be split here)');

  const violation = { kind: 'violation', start: 0, end: 1, rule: 'cps', row: 0, id: 0,
                      item: { rule: 'cps', value: 21.25, limit: 17, message: 'too fast' } };
  assert.equal(review.describeProblem(violation), 'cps: 21.3 (limit 17) — too fast');
  assert.equal(review.problemListText(violation), 'too fast');
  const dropped = { kind: 'dropped', start: 0, end: 1, rule: 'repeat', row: 0, id: 1, item: { rule: 'repeat', text: 'la la' } };
  assert.equal(review.describeProblem(dropped), 'dropped (repeat): “la la”');
  assert.equal(review.problemListText(dropped), '“la la” (repeat)');
  const gap = { kind: 'gap', start: 0, end: 1, rule: 'gap', row: 0, id: 2, item: { message: 'chunk 3 failed' } };
  assert.equal(review.describeProblem(gap), 'gap: chunk 3 failed');
  assert.equal(review.problemListText(gap), 'chunk 3 failed');
});
